import { csvField, csvHeader, csvRow, ndjsonLine } from './audit-export.js';
import type { AuditEventResponseDto } from './dto/audit-event.dto.js';

const EVENT: AuditEventResponseDto = {
  id: 'e1',
  workspaceId: 'w1',
  chainKey: 'ws:w1',
  seq: 7,
  actor: { type: 'user', id: 'u1' },
  action: 'card.updated',
  entityType: 'card',
  entityId: 'c1',
  changes: { title: { from: 'a, "b"', to: 'line1\nline2' } },
  requestId: 'r1',
  ip: '127.0.0.1',
  userAgent: '=HYPERLINK("http://evil")',
  occurredAt: '2025-01-31T09:15:00.123Z',
  prevHash: '0'.repeat(64),
  hash: 'f'.repeat(64),
};

describe('CSV export', () => {
  it('quotes fields with commas, quotes or line breaks and doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\r\ny')).toBe('"x\r\ny"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-2')).toBe("'-2");
  });

  it('writes one CRLF-terminated row per event, changes as JSON in one cell', () => {
    expect(csvHeader()).toBe(
      'id,workspaceId,chainKey,seq,actorType,actorId,action,entityType,entityId,changes,requestId,ip,userAgent,occurredAt,prevHash,hash\r\n',
    );
    const row = csvRow(EVENT);
    expect(row.endsWith('\r\n')).toBe(true);
    expect(row).toContain('"{""title"":{""from"":""a, \\""b\\"""",""to"":""line1\\nline2""}}"');
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});

describe('NDJSON export', () => {
  it('writes the API JSON of an event on one line', () => {
    const line = ndjsonLine(EVENT);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(EVENT);
  });
});

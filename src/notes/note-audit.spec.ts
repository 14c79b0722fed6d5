import { diffChanges } from '../audit/changes.js';
import { auditSnapshot, bodyDigest, NOTE_AUDIT_FIELDS } from './note-audit.js';

describe('note audit snapshots', () => {
  const base = { title: 'T', body: 'héllo', tags: ['a'], pinned: false, archived: false };

  it('digests a body by length, UTF-8 bytes and SHA-256', () => {
    expect(bodyDigest('héllo')).toEqual({
      length: 5,
      bytes: 6,
      sha256: '3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179',
    });
  });

  it('records a changed body as two digests, never the text', () => {
    const big = 'x'.repeat(1_000_000);
    const changes = diffChanges(
      auditSnapshot(base),
      auditSnapshot({ ...base, body: big }),
      NOTE_AUDIT_FIELDS,
    );
    expect(Object.keys(changes)).toEqual(['body']);
    expect(JSON.stringify(changes).length).toBeLessThan(400);
    expect(changes.body.to).toMatchObject({ length: 1_000_000, bytes: 1_000_000 });
  });

  it('lists only the fields that changed', () => {
    const changes = diffChanges(
      auditSnapshot(base),
      auditSnapshot({ ...base, tags: ['a', 'b'], pinned: true }),
      NOTE_AUDIT_FIELDS,
    );
    expect(changes).toEqual({
      tags: { from: ['a'], to: ['a', 'b'] },
      pinned: { from: false, to: true },
    });
  });
});

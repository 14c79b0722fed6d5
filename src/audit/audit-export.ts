import type { AuditEventResponseDto } from './dto/audit-event.dto.js';

/** The CSV columns, in order; `changes` is one column of JSON. */
export const CSV_COLUMNS = [
  'id',
  'workspaceId',
  'chainKey',
  'seq',
  'actorType',
  'actorId',
  'action',
  'entityType',
  'entityId',
  'changes',
  'requestId',
  'ip',
  'userAgent',
  'occurredAt',
  'prevHash',
  'hash',
] as const;

const CRLF = '\r\n';
const NEEDS_QUOTES = /[",\r\n]/;
/** Cells a spreadsheet would run as a formula (CSV injection, OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: quoted when it holds a comma, quote or line break, quotes doubled. A
 * cell that a spreadsheet would evaluate as a formula gets a leading `'`; exact values are in
 * the NDJSON export.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvHeader = (): string => CSV_COLUMNS.join(',') + CRLF;

export function csvRow(e: AuditEventResponseDto): string {
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    id: e.id,
    workspaceId: e.workspaceId,
    chainKey: e.chainKey,
    seq: e.seq,
    actorType: e.actor.type,
    actorId: e.actor.id,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    changes: JSON.stringify(e.changes),
    requestId: e.requestId,
    ip: e.ip,
    userAgent: e.userAgent,
    occurredAt: e.occurredAt,
    prevHash: e.prevHash,
    hash: e.hash,
  };
  return CSV_COLUMNS.map((c) => csvField(cells[c])).join(',') + CRLF;
}

/** One event per line: the same JSON as the API returns. */
export const ndjsonLine = (e: AuditEventResponseDto): string => `${JSON.stringify(e)}\n`;

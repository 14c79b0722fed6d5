import { createHash } from 'node:crypto';
import type { Client } from '../support/http.js';

/** An event as the API returns it. */
export interface ApiEvent {
  id: string;
  workspaceId: string | null;
  chainKey: string;
  seq: number;
  actor: { type: string; id: string | null };
  action: string;
  entityType: string;
  entityId: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  occurredAt: string;
  prevHash: string;
  hash: string;
}

/**
 * What a third party would write from the README alone (not the app's canonicalJson):
 * keys sorted by UTF-16 code units at every depth, JSON.stringify for scalars, seq as a
 * decimal string, hash = sha256_hex(prevHash + canonical).
 */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function recomputeHash(e: ApiEvent): string {
  const { hash: _hash, seq, ...rest } = e;
  return createHash('sha256')
    .update(e.prevHash + sortedJson({ ...rest, seq: String(seq) }))
    .digest('hex');
}

/** Checks a contiguous stretch of a chain, as an auditor would from an export. */
export function expectIntactStretch(events: ApiEvent[]): void {
  events.forEach((e, i) => {
    expect(recomputeHash(e)).toBe(e.hash);
    if (i > 0) {
      expect(e.seq).toBe(events[i - 1].seq + 1);
      expect(e.prevHash).toBe(events[i - 1].hash);
    }
  });
}

/** Every event of a list route, following nextCursor. */
export async function allPages(
  api: Client,
  path: string,
  token: string,
  limit = 200,
): Promise<ApiEvent[]> {
  const events: ApiEvent[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await api.get(url, { token });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${res.text}`);
    events.push(...(res.body.data as ApiEvent[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return events;
}

/** RFC 4180 parsing (quoted fields, doubled quotes, CRLF), for checking the CSV export. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';

/** The hash before the first event of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The fields of an event that its hash covers (everything but `hash` itself). The README
 * ("Verifying the chain yourself") documents this exact shape; changing it breaks every
 * stored chain.
 */
export interface HashedEvent {
  id: string;
  workspaceId: string | null;
  chainKey: string;
  /** Decimal string (a bigint in the database). */
  seq: string;
  actor: { type: string; id: string | null };
  action: string;
  entityType: string;
  entityId: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** ISO 8601 UTC with milliseconds: `2025-01-31T09:15:00.123Z`. */
  occurredAt: string;
  prevHash: string;
}

/** A stored event's columns, as read back from the database. */
export interface StoredEventColumns {
  id: string;
  workspaceId: string | null;
  chainKey: string;
  seq: string | number | bigint;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  occurredAt: Date;
  prevHash: string;
}

/** SHA-256 (lowercase hex) of `prevHash` followed by the canonical JSON of the event. */
export function eventHash(event: HashedEvent): string {
  return createHash('sha256')
    .update(event.prevHash)
    .update(canonicalEventJson(event))
    .digest('hex');
}

/** The fields of `HashedEvent` in canonical (sorted) order, with their JSON-encoded names. */
const EVENT_KEYS = [
  'action',
  'actor',
  'chainKey',
  'changes',
  'entityId',
  'entityType',
  'id',
  'ip',
  'occurredAt',
  'prevHash',
  'requestId',
  'seq',
  'userAgent',
  'workspaceId',
] as const satisfies readonly (keyof HashedEvent)[];
const EVENT_KEY_JSON = EVENT_KEYS.map((key) => JSON.stringify(key));

/**
 * Exactly `canonicalJson(event)`, without sorting the same fourteen top-level names again for
 * every event (a batch append hashes hundreds). Anything but the plain shape (a missing or an
 * extra field) goes through `canonicalJson` itself.
 */
export function canonicalEventJson(event: HashedEvent): string {
  const record = event as unknown as Record<string, unknown>;
  if (Object.keys(record).length !== EVENT_KEYS.length) return canonicalJson(event);
  let out = '{';
  let first = true;
  for (let i = 0; i < EVENT_KEYS.length; i += 1) {
    const key = EVENT_KEYS[i];
    if (!Object.hasOwn(record, key)) return canonicalJson(event);
    const value = record[key];
    if (value === undefined) continue;
    out += `${first ? '' : ','}${EVENT_KEY_JSON[i]}:${canonicalJson(value)}`;
    first = false;
  }
  return `${out}}`;
}

/** The hashed form of a stored row: what `verify` recomputes. */
export function hashedEventOf(row: StoredEventColumns): HashedEvent {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    chainKey: row.chainKey,
    seq: String(row.seq),
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    changes: row.changes,
    requestId: row.requestId,
    ip: row.ip,
    userAgent: row.userAgent,
    occurredAt: row.occurredAt.toISOString(),
    prevHash: row.prevHash,
  };
}

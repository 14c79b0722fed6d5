import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';

/** The hash before the first event of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that its hash covers (everything but `hash` itself). */
export interface HashedEvent {
  id: string;
  workspaceId: string | null;
  chainKey: string;
  seq: string;
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
}

/** SHA-256 (hex) of `prevHash` followed by the canonical JSON of the event (see README). */
export function eventHash(event: HashedEvent): string {
  return createHash('sha256').update(event.prevHash).update(canonicalJson(event)).digest('hex');
}

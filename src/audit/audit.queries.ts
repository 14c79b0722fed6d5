import type { EntityManager, SelectQueryBuilder } from 'typeorm';
import type { KeysetKey } from '../common/pagination.js';
import { AuditEventEntity } from './audit-event.entity.js';
import type { ChainTip, StoredEvent } from './chain-verifier.js';

/**
 * The audit module's SQL, in one place (plans checked with EXPLAIN on a million events; see
 * the entity for the indexes each one uses).
 */

/** Columns of a stored event under the names `StoredEvent` uses. */
export const EVENT_COLUMNS = `e.id, e.workspace_id AS "workspaceId", e.chain_key AS "chainKey", e.seq,
  e.actor_type AS "actorType", e.actor_id AS "actorId", e.action, e.entity_type AS "entityType",
  e.entity_id AS "entityId", e.changes, e.request_id AS "requestId", e.ip,
  e.user_agent AS "userAgent", e.occurred_at AS "occurredAt", e.prev_hash AS "prevHash", e.hash`;

/** Newest first; `seq` breaks ties of one millisecond. */
export const NEWEST_FIRST: KeysetKey<AuditEventEntity>[] = [
  { column: 'e.occurred_at', direction: 'DESC', value: (e) => e.occurredAt.toISOString() },
  { column: 'e.seq', direction: 'DESC', value: (e) => String(e.seq) },
];

export interface AuditFilters {
  actorId?: string;
  /** Exact, or a prefix when it ends in `.*`. */
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: Date;
  to?: Date;
}

/** `LIKE` pattern for the prefix `card.*`: `card.%`, with LIKE's wildcards (`_`) escaped. */
export const actionPrefixPattern = (prefixFilter: string): string =>
  `${prefixFilter.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Applies the list filters; each has an index led by workspace_id and ending in the sort keys. */
export function applyFilters(
  qb: SelectQueryBuilder<AuditEventEntity>,
  f: AuditFilters,
): SelectQueryBuilder<AuditEventEntity> {
  if (f.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: f.actorId });
  if (f.action?.endsWith('.*')) {
    qb.andWhere('e.action LIKE :actionPattern', { actionPattern: actionPrefixPattern(f.action) });
  } else if (f.action) {
    qb.andWhere('e.action = :action', { action: f.action });
  }
  if (f.entityType) qb.andWhere('e.entity_type = :entityType', { entityType: f.entityType });
  if (f.entityId) qb.andWhere('e.entity_id = :entityId', { entityId: f.entityId });
  if (f.from) qb.andWhere('e.occurred_at >= :from', { from: f.from });
  if (f.to) qb.andWhere('e.occurred_at < :to', { to: f.to });
  return qb;
}

/** A workspace's events (index ix_audit_events_workspace_*). */
export function workspaceEvents(
  em: EntityManager,
  workspaceId: string,
): SelectQueryBuilder<AuditEventEntity> {
  return em
    .createQueryBuilder(AuditEventEntity, 'e')
    .where('e.workspace_id = :workspaceId', { workspaceId });
}

/** A user's account-level events (partial index ix_audit_events_account_time). */
export function accountEvents(
  em: EntityManager,
  chainKey: string,
): SelectQueryBuilder<AuditEventEntity> {
  return em
    .createQueryBuilder(AuditEventEntity, 'e')
    .where('e.workspace_id IS NULL')
    .andWhere('e.chain_key = :chainKey', { chainKey });
}

/** The committed tip of a chain (what `verify` and `export` stop at). */
export async function chainTip(em: EntityManager, chainKey: string): Promise<ChainTip | undefined> {
  const [tip] = (await em.query(
    'SELECT last_seq AS "lastSeq", last_hash AS "lastHash" FROM audit_chain_heads WHERE chain_key = $1',
    [chainKey],
  )) as ChainTip[];
  return tip;
}

/** The next `limit` events of a chain after `afterSeq`, up to `tipSeq` (ux_audit_events_chain_seq). */
export function chainBatch(
  em: EntityManager,
  chainKey: string,
  afterSeq: bigint,
  tipSeq: string,
  limit: number,
): Promise<StoredEvent[]> {
  return em.query(
    `SELECT ${EVENT_COLUMNS} FROM audit_events e
      WHERE e.chain_key = $1 AND e.seq > $2 AND e.seq <= $3
      ORDER BY e.seq LIMIT $4`,
    [chainKey, afterSeq.toString(), tipSeq, limit],
  ) as Promise<StoredEvent[]>;
}

export interface ExportPosition {
  occurredAt: Date;
  seq: string;
}

/**
 * The next `limit` events of a workspace in time order (oldest first) after `after`, within
 * [from, to) and up to the chain tip seen when the export began (ix_audit_events_workspace_time).
 */
export function exportBatch(
  em: EntityManager,
  workspaceId: string,
  range: { from?: Date; to?: Date; tipSeq: string },
  after: ExportPosition | undefined,
  limit: number,
): Promise<StoredEvent[]> {
  const params: unknown[] = [workspaceId, range.tipSeq, limit];
  const where = ['e.workspace_id = $1', 'e.seq <= $2'];
  const param = (value: unknown): string => `$${params.push(value)}`;
  if (range.from) where.push(`e.occurred_at >= ${param(range.from)}`);
  if (range.to) where.push(`e.occurred_at < ${param(range.to)}`);
  if (after)
    where.push(`(e.occurred_at, e.seq) > (${param(after.occurredAt)}, ${param(after.seq)})`);
  return em.query(
    `SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE ${where.join(' AND ')}
      ORDER BY e.occurred_at, e.seq LIMIT $3`,
    params,
  ) as Promise<StoredEvent[]>;
}

/**
 * The outbox's next batch for a consumer: the chains whose committed tip is past the
 * consumer's cursor (least recently served first), and their next events in seq order. One
 * statement, so heads and events come from one snapshot. Without `chainKeys` it reads every
 * chain head (O(chains), about 10 ms for 20,000 chains); with them, index lookups only.
 */
export function outboxBatch(
  em: EntityManager,
  consumer: string,
  limit: number,
  chainKeys?: string[],
): Promise<StoredEvent[]> {
  const params: unknown[] = [consumer, limit];
  const onlyChains = chainKeys
    ? `AND h.chain_key = ANY($${params.push(chainKeys)}::varchar[])`
    : '';
  return em.query(
    `WITH lagging AS (
       SELECT h.chain_key, COALESCE(c.last_seq, 0) AS after, c.updated_at
         FROM audit_chain_heads h
         LEFT JOIN outbox_cursors c ON c.consumer = $1 AND c.chain_key = h.chain_key
        WHERE h.last_seq > COALESCE(c.last_seq, 0) ${onlyChains}
        ORDER BY c.updated_at ASC NULLS FIRST, h.chain_key
        LIMIT $2)
     SELECT ev.* FROM lagging l
     CROSS JOIN LATERAL (
       SELECT ${EVENT_COLUMNS} FROM audit_events e
        WHERE e.chain_key = l.chain_key AND e.seq > l.after
        ORDER BY e.seq LIMIT $2) ev
     ORDER BY l.updated_at ASC NULLS FIRST, l.chain_key, ev.seq
     LIMIT $2`,
    params,
  ) as Promise<StoredEvent[]>;
}

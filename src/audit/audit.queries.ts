import type { EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination.js';
import { defineKeyset } from '../kernel/keyset.js';
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
export const EventList = defineKeyset<StoredEvent>('audit.events', [
  {
    column: 'e.occurred_at',
    direction: 'DESC',
    value: (e) => new Date(e.occurredAt).toISOString(),
    type: 'timestamptz',
  },
  { column: 'e.seq', direction: 'DESC', value: (e) => String(e.seq), type: 'bigint' },
]);

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

/** The list filters; each has an index led by workspace_id (or the chain) ending in the sort keys. */
function filterSql(params: unknown[], f: AuditFilters): string[] {
  const param = (value: unknown, cast: string): string => `$${params.push(value)}::${cast}`;
  const where: string[] = [];
  if (f.actorId) where.push(`e.actor_id = ${param(f.actorId, 'varchar')}`);
  if (f.action?.endsWith('.*')) {
    where.push(`e.action LIKE ${param(actionPrefixPattern(f.action), 'varchar')}`);
  } else if (f.action) {
    where.push(`e.action = ${param(f.action, 'varchar')}`);
  }
  if (f.entityType) where.push(`e.entity_type = ${param(f.entityType, 'varchar')}`);
  if (f.entityId) where.push(`e.entity_id = ${param(f.entityId, 'uuid')}`);
  if (f.from) where.push(`e.occurred_at >= ${param(f.from, 'timestamptz')}`);
  if (f.to) where.push(`e.occurred_at < ${param(f.to, 'timestamptz')}`);
  return where;
}

/**
 * One keyset page of events, newest first: a workspace's (`{workspaceId}`, index
 * ix_audit_events_workspace_*) or a user's account chain (`{chainKey}`, partial index
 * ix_audit_events_account_time).
 */
export async function eventsPage(
  em: EntityManager,
  of: { workspaceId: string } | { chainKey: string },
  f: AuditFilters,
  page: PageRequest,
): Promise<Page<StoredEvent>> {
  const limit = EventList.limit(page.limit);
  const params: unknown[] = ['workspaceId' in of ? of.workspaceId : of.chainKey];
  const where =
    'workspaceId' in of ? ['e.workspace_id = $1'] : ['e.workspace_id IS NULL', 'e.chain_key = $1'];
  where.push(...filterSql(params, f), EventList.after(page.cursor, params));
  const rows = (await em.query(
    `SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE ${where.join(' AND ')}
      ORDER BY ${EventList.orderBy} LIMIT ${limit + 1}`,
    params,
  )) as StoredEvent[];
  return EventList.page(rows, limit, (e) => e);
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
        -- seq is gap-free per chain: the upper bound caps the rows read whatever the plan.
        WHERE e.chain_key = l.chain_key AND e.seq > l.after AND e.seq <= l.after + $2
        ORDER BY e.seq LIMIT $2) ev
     ORDER BY l.updated_at ASC NULLS FIRST, l.chain_key, ev.seq
     LIMIT $2`,
    params,
  ) as Promise<StoredEvent[]>;
}

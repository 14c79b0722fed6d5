import { Injectable } from '@nestjs/common';
import type { Page } from '../common/pagination.js';
import { TransactionHost } from '../database/transaction-host.js';
import { defineKeyset } from '../kernel/keyset.js';
import { workspaceChainKey } from './audit.service.js';

/** An event as the activity feed may show it: no ip, user agent, request id or raw values. */
export interface ActivityEvent {
  id: string;
  seq: string;
  occurredAt: Date;
  actorType: string;
  actorId: string;
  action: string;
  entityType: string;
  entityId: string | null;
  /** The names of the changed fields only (never their values). */
  fields: string[];
}

/** Newest first; `seq` breaks ties of one millisecond (ix_audit_events_workspace_time/_entity). */
export const ActivityList = defineKeyset<ActivityEvent>('activity.list', [
  {
    column: 'e.occurred_at',
    direction: 'DESC',
    type: 'timestamptz',
    value: (e) => e.occurredAt.toISOString(),
  },
  { column: 'e.seq', direction: 'DESC', type: 'bigint', value: (e) => e.seq },
]);

const ACTIVITY_COLUMNS = `e.id, e.seq::text AS seq, e.occurred_at AS "occurredAt",
  e.actor_type AS "actorType", e.actor_id AS "actorId", e.action, e.entity_type AS "entityType",
  e.entity_id AS "entityId",
  ARRAY(SELECT jsonb_object_keys(e.changes) ORDER BY 1) AS fields`;

/**
 * The read side of the log that every member may see (the dashboard's activity feed): pages
 * of a workspace's events, optionally of some entities, without ip, user agent or changed
 * values; counts of actions since an instant; and the workspace chain's head (for ETags).
 * The caller checks workspace access first.
 */
@Injectable()
export class ActivityReader {
  constructor(private readonly tx: TransactionHost) {}

  async page(
    workspaceId: string,
    filter: { entityIds?: string[] },
    cursor: string | undefined,
    requestedLimit: number | undefined,
  ): Promise<Page<ActivityEvent>> {
    const limit = ActivityList.limit(requestedLimit);
    const params: unknown[] = [workspaceId];
    const where = ['e.workspace_id = $1'];
    if (filter.entityIds)
      where.push(`e.entity_id = ANY($${params.push(filter.entityIds)}::uuid[])`);
    where.push(ActivityList.after(cursor, params));
    const rows = (await this.tx.manager.query(
      `SELECT ${ACTIVITY_COLUMNS} FROM audit_events e WHERE ${where.join(' AND ')}
        ORDER BY ${ActivityList.orderBy} LIMIT ${limit + 1}`,
      params,
    )) as ActivityEvent[];
    return ActivityList.page(rows, limit, (r) => r);
  }

  /** How many events of each of `actions` the workspace has had since `since`. */
  async countActions(
    workspaceId: string,
    actions: string[],
    since: Date,
  ): Promise<Map<string, number>> {
    const rows = (await this.tx.manager.query(
      `SELECT e.action, count(*)::int AS n FROM audit_events e
        WHERE e.workspace_id = $1 AND e.action = ANY($2::varchar[]) AND e.occurred_at >= $3
        GROUP BY e.action`,
      [workspaceId, actions, since],
    )) as Array<{ action: string; n: number }>;
    return new Map(rows.map((r) => [r.action, r.n]));
  }

  /** The workspace chain's last seq (0 before its first event). */
  async head(workspaceId: string): Promise<string> {
    const [row] = (await this.tx.manager.query(
      'SELECT last_seq::text AS seq FROM audit_chain_heads WHERE chain_key = $1',
      [workspaceChainKey(workspaceId)],
    )) as Array<{ seq: string }>;
    return row?.seq ?? '0';
  }
}

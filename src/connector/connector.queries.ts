import { defineKeyset, defineTenantTable, type WorkspaceScope } from '../kernel/index.js';
import { HEALTH_WINDOW_MS } from './connector.constants.js';

/** A connector row as the module reads it (secrets still sealed). */
export interface ConnectorRow {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  kind: string;
  enabled: boolean;
  subscribedSince: Date;
  url: string | null;
  events: string[];
  config: Record<string, unknown>;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  breakerState: string;
  breakerOpenedAt: Date | null;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectorStats {
  successRate24h: number | null;
  deadDeliveries: number;
}

export const CONNECTOR_COLUMNS = `t.id, t.workspace_id AS "workspaceId", t.name, t.description, t.kind,
  t.enabled, t.subscribed_since AS "subscribedSince", t.url, t.events, t.config,
  t.secret_sealed AS "secretSealed", t.previous_secret_sealed AS "previousSecretSealed",
  t.previous_secret_expires_at AS "previousSecretExpiresAt", t.breaker_state AS "breakerState",
  t.breaker_opened_at AS "breakerOpenedAt", t.failing_since AS "failingSince",
  t.last_success_at AS "lastSuccessAt", t.last_failure_at AS "lastFailureAt", t.version,
  t.created_at AS "createdAt", t.updated_at AS "updatedAt"`;

export const Connectors = defineTenantTable<ConnectorRow>({
  table: 'connectors',
  notFound: 'Connector not found.',
  select: CONNECTOR_COLUMNS,
});

export interface DeliveryRow {
  id: string;
  workspaceId: string;
  connectorId: string;
  eventId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export const DELIVERY_COLUMNS = `t.id, t.workspace_id AS "workspaceId", t.connector_id AS "connectorId",
  t.event_id AS "eventId", t.event_type AS "eventType", t.status, t.attempt_count AS "attemptCount",
  t.next_attempt_at AS "nextAttemptAt", t.created_at AS "createdAt"`;

export const Deliveries = defineTenantTable<DeliveryRow>({
  table: 'deliveries',
  notFound: 'Delivery not found.',
  select: DELIVERY_COLUMNS,
});

export interface AttemptRow {
  at: Date;
  statusCode: number | null;
  latencyMs: number;
  errorClass: string | null;
  responseBody: string | null;
}

export interface InboundEventRow {
  id: string;
  connectorId: string;
  deliveryId: string | null;
  receivedAt: Date;
  verified: boolean;
  result: string;
  reason: string | null;
  entityType: string | null;
  entityId: string | null;
}

/** Newest first; ids are UUIDv7, so id order is creation order. */
export const ConnectorList = defineKeyset<ConnectorRow>('connectors.list', [
  { column: 't.id', direction: 'DESC', type: 'uuid', value: (r) => r.id },
]);
export const DeliveryList = defineKeyset<DeliveryRow>('deliveries.list', [
  { column: 't.id', direction: 'DESC', type: 'uuid', value: (r) => r.id },
]);
export const InboundEventList = defineKeyset<InboundEventRow>('inbound-events.list', [
  { column: 't.id', direction: 'DESC', type: 'uuid', value: (r) => r.id },
]);

/** Health counters of some connectors of the scope's workspace, in one statement. */
export async function connectorStats(
  s: WorkspaceScope<unknown>,
  ids: string[],
): Promise<Map<string, ConnectorStats>> {
  if (ids.length === 0) return new Map();
  const since = new Date(s.now().getTime() - HEALTH_WINDOW_MS);
  const rows = await s.query<{ id: string; rate: number | null; dead: string }>(
    `SELECT c.id,
            (SELECT avg(CASE WHEN a.success THEN 1.0 ELSE 0.0 END)::float8
               FROM delivery_attempts a WHERE a.connector_id = c.id AND a.at >= $3) AS rate,
            (SELECT count(*) FROM deliveries d
              WHERE d.workspace_id = c.workspace_id AND d.connector_id = c.id AND d.status = 'dead') AS dead
       FROM connectors c
      WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])`,
    [s.workspaceId, ids, since],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { successRate24h: r.rate === null ? null : Number(r.rate), deadDeliveries: Number(r.dead) },
    ]),
  );
}

/** TypeORM's pg driver answers UPDATE ... RETURNING with [rows, count]; other statements with rows. */
export function rowsOf<T>(result: [T[], number] | T[]): T[] {
  return Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}

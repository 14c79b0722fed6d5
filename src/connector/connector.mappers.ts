import type {
  ConnectorResponseDto,
  DeliveryAttemptDto,
  DeliveryResponseDto,
  InboundEventResponseDto,
  MappingDto,
} from './dto/connector.dto.js';
import type {
  AttemptRow,
  ConnectorRow,
  ConnectorStats,
  DeliveryRow,
  InboundEventRow,
} from './connector.queries.js';
import { connectorType } from './types/connector-types.js';

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** The API view of a connector: the type's described settings, the health, never a secret. */
export function toConnectorResponse(
  row: ConnectorRow,
  stats: ConnectorStats,
): ConnectorResponseDto {
  const type = connectorType(row.kind);
  const described = type?.describe({ url: row.url, events: row.events, config: row.config }) ?? {};
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    description: row.description,
    kind: row.kind,
    enabled: row.enabled,
    ...(described as { url?: string; events?: string[]; verifier?: string; mapping?: MappingDto }),
    ...(type?.direction === 'inbound' ? { hookPath: `/v1/hooks/${row.id}` } : {}),
    health: {
      state: row.enabled ? row.breakerState : 'disabled',
      lastSuccessAt: iso(row.lastSuccessAt),
      lastFailureAt: iso(row.lastFailureAt),
      successRate24h: stats.successRate24h,
      deadDeliveries: stats.deadDeliveries,
    },
    previousSecretExpiresAt: iso(row.previousSecretExpiresAt),
    version: row.version,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function toDeliveryResponse(row: DeliveryRow): DeliveryResponseDto {
  return {
    id: row.id,
    connectorId: row.connectorId,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attemptCount: row.attemptCount,
    nextAttemptAt:
      row.status === 'succeeded' || row.status === 'dead' ? null : iso(row.nextAttemptAt),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export function toAttemptResponse(row: AttemptRow): DeliveryAttemptDto {
  return {
    at: new Date(row.at).toISOString(),
    statusCode: row.statusCode,
    latencyMs: row.latencyMs,
    errorClass: row.errorClass,
    responseBody: row.responseBody,
  };
}

export function toInboundEventResponse(row: InboundEventRow): InboundEventResponseDto {
  return {
    id: row.id,
    connectorId: row.connectorId,
    deliveryId: row.deliveryId,
    receivedAt: new Date(row.receivedAt).toISOString(),
    verified: row.verified,
    result: row.result,
    reason: row.reason,
    entityType: row.entityType,
    entityId: row.entityId,
  };
}

import type { StoredEvent } from './chain-verifier.js';
import type { ActorType } from './audit-event.entity.js';
import type { AuditEventResponseDto } from './dto/audit-event.dto.js';

/** The API (and export, and outbox) shape of a stored event. */
export const toAuditEventResponse = (e: StoredEvent): AuditEventResponseDto => ({
  id: e.id,
  workspaceId: e.workspaceId,
  chainKey: e.chainKey,
  seq: Number(e.seq),
  actor: { type: e.actorType as ActorType, id: e.actorId },
  action: e.action,
  entityType: e.entityType,
  entityId: e.entityId,
  changes: e.changes,
  requestId: e.requestId,
  ip: e.ip,
  userAgent: e.userAgent,
  occurredAt: e.occurredAt.toISOString(),
  prevHash: e.prevHash,
  hash: e.hash,
});

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, declaredEvent } from '../audit/audit.service.js';
import type { Changes } from '../audit/changes.js';
import type { Actor } from './actor.js';
import type { EventType } from './events.js';

/**
 * Account-level events (sign-ins, sessions, API tokens): the user's own chain, no workspace.
 * The counterpart of `WorkspaceScope.record` for work that belongs to no workspace; it takes
 * only declared events, and appends inside the caller's transaction (`TransactionHost.run`).
 */
@Injectable()
export class AccountLog {
  constructor(private readonly audit: AuditService) {}

  async record(
    em: EntityManager,
    userId: string,
    event: EventType,
    entityId: string | null,
    changes?: Changes,
    actor?: Actor,
  ): Promise<void> {
    await this.audit.appendBatch(em, [
      declaredEvent(event, { workspaceId: null, userId, entityId, changes, actor }),
    ]);
  }
}

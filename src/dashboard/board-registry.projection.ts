import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditEventInput } from '../audit/audit.service.js';
import { EventProjections } from '../kernel/index.js';

const nameOf = (e: AuditEventInput): string => {
  const name = (e.changes as Record<string, { to?: unknown }> | undefined)?.name?.to;
  return typeof name === 'string' ? name : '';
};

/**
 * Registers and forgets boards in the dashboard's copy in the transaction that creates or
 * deletes them, so that a board's metrics answer 200 from the moment the board exists and 404
 * from the moment it is gone (read your writes). Everything else about a board (name, archive
 * state, columns, cards) follows with the outbox consumer's lag; its handling of the same
 * events is idempotent (`ON CONFLICT DO NOTHING`, deletes of what may already be gone).
 */
@Injectable()
export class BoardRegistryProjection implements OnModuleInit {
  constructor(private readonly projections: EventProjections) {}

  onModuleInit(): void {
    this.projections.register('dashboard.boards', (em, events) => this.project(em, events));
  }

  async project(em: EntityManager, events: readonly AuditEventInput[]): Promise<void> {
    for (const e of events) {
      if (!e.workspaceId || !e.entityId) continue;
      if (e.action === 'board.created') {
        await em.query(
          `INSERT INTO dashboard_boards (workspace_id, id, name, archived_at)
           VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING`,
          [e.workspaceId, e.entityId, nameOf(e)],
        );
      } else if (e.action === 'board.deleted') {
        await em.query('DELETE FROM dashboard_boards WHERE workspace_id = $1 AND id = $2', [
          e.workspaceId,
          e.entityId,
        ]);
      }
    }
  }
}

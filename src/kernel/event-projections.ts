import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditEventInput } from '../audit/audit.service.js';

/**
 * Keeps data derived from events exact at commit: called with a unit of work's buffered events
 * and its transaction, just before they are appended (chain heads not yet locked). Its writes
 * commit with the change or not at all; an error rolls the whole unit of work back.
 */
export type EventProjection = (
  em: EntityManager,
  events: readonly AuditEventInput[],
) => Promise<void>;

/**
 * The in-transaction projections (a module registers one at start-up, e.g. in `onModuleInit`).
 * Only events recorded through `WorkspaceScope.record` pass through here; consumers that can
 * live with a lag use a declared outbox consumer instead.
 */
@Injectable()
export class EventProjections {
  private readonly projections = new Map<string, EventProjection>();

  register(name: string, projection: EventProjection): void {
    if (this.projections.has(name)) throw new Error(`event projection ${name} registered twice`);
    this.projections.set(name, projection);
  }

  async project(em: EntityManager, events: readonly AuditEventInput[]): Promise<void> {
    for (const projection of this.projections.values()) await projection(em, events);
  }
}

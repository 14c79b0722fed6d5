import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SystemActors } from '../kernel/actor.js';
import { ReminderEvents } from './reminders.events.js';

export interface FiredOccurrence {
  workspaceId: string;
  reminderId: string;
  occurrenceId: string;
  scheduledFor: Date;
  late: boolean;
  firedAt: Date;
}

/** Appends the scheduler's `reminder.fired` events, as the system actor, in the claim transaction. */
@Injectable()
export class ReminderEventSink {
  constructor(private readonly audit: AuditService) {}

  async fired(em: EntityManager, occurrences: FiredOccurrence[]): Promise<void> {
    // One batch for the whole claim: the heads of every chain involved are locked once, in a
    // stable order, and all events go in with one statement.
    await this.audit.appendBatch(
      em,
      occurrences.map((o) => ({
        workspaceId: o.workspaceId,
        action: ReminderEvents.fired.action,
        entityType: ReminderEvents.fired.entityType,
        entityId: o.reminderId,
        actor: SystemActors.reminders,
        changes: {
          occurrenceId: { from: null, to: o.occurrenceId },
          scheduledFor: { from: null, to: o.scheduledFor.toISOString() },
          firedAt: { from: null, to: o.firedAt.toISOString() },
          late: { from: null, to: o.late },
        },
      })),
    );
  }
}

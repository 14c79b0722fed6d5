import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';

export const REMINDER_FIRED = 'reminder.fired';
export const REMINDERS_SYSTEM_ACTOR = { type: 'system', name: 'reminders' } as const;

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
        action: REMINDER_FIRED,
        entityType: 'reminder',
        entityId: o.reminderId,
        actor: REMINDERS_SYSTEM_ACTOR,
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

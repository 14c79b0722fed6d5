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
    // Chains in a stable order so that two claim transactions never wait on each other's heads
    // in opposite orders.
    const sorted = [...occurrences].sort((a, b) =>
      a.workspaceId < b.workspaceId ? -1 : a.workspaceId > b.workspaceId ? 1 : 0,
    );
    for (const o of sorted) {
      await this.audit.record(em, {
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
      });
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CLAIM_BUCKETS, type ScheduleKind } from './entities/reminder.entity.js';
import type { ScheduleSpec } from './recurrence.js';

/** The columns that define a reminder's schedule. */
export interface ReminderScheduleRow {
  kind: ScheduleKind;
  remindAt: Date | null;
  rrule: string | null;
  dtstart: string | null;
  cron: string | null;
  timeZone: string;
  catchUp: string;
}

/** The schedule spec a stored row describes (the row was validated when written). */
export function scheduleOf(row: ReminderScheduleRow): ScheduleSpec {
  if (row.kind === 'once') return { kind: 'once', remindAt: new Date(row.remindAt!) };
  if (row.kind === 'rrule') {
    return { kind: 'rrule', rrule: row.rrule!, dtstart: row.dtstart!, timeZone: row.timeZone };
  }
  return { kind: 'cron', cron: row.cron!, timeZone: row.timeZone };
}

/**
 * The scheduler's notion of "now": the database's `now()` (the claim transaction's start), so
 * that every instance agrees on what is due whatever its own clock says. Tests replace it.
 */
@Injectable()
export class SchedulerClock {
  async now(em: EntityManager): Promise<Date> {
    const [{ now }] = (await em.query(`SELECT now() AS now`)) as { now: Date }[];
    return new Date(now);
  }
}

/**
 * The claim bucket of a workspace: a stable hash of its id, so that all of one workspace's
 * reminders (one audit chain) are claimed together and other buckets go to other instances.
 */
export function bucketOf(workspaceId: string): number {
  let hash = 0;
  for (let i = 0; i < workspaceId.length; i += 1) {
    hash = (Math.imul(hash, 31) + workspaceId.charCodeAt(i)) >>> 0;
  }
  return hash % CLAIM_BUCKETS;
}

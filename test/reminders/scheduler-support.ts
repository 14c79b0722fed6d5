import pg from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service.js';
import { dataSourceOptions } from '../../src/database/data-source.options.js';
import { TransactionHost } from '../../src/database/transaction-host.js';
import { newId } from '../../src/database/uuid.js';
import { MetricsService } from '../../src/kernel/metrics.js';
import {
  ReminderEventSink,
  type FiredOccurrence,
} from '../../src/reminders/reminder-event-sink.js';
import { ReminderMetrics } from '../../src/reminders/reminder-metrics.js';
import { bucketOf, SchedulerClock } from '../../src/reminders/reminder-schedule.js';
import { ReminderScheduler } from '../../src/reminders/reminder-scheduler.js';
import type { EntityManager } from 'typeorm';

/** A clock the test moves by hand (stands in for the database's now()). */
export class ManualSchedulerClock extends SchedulerClock {
  constructor(public current: Date) {
    super();
  }
  override async now(): Promise<Date> {
    return this.current;
  }
}

/** An event sink that can be made to fail (or kill its connection) in the middle of a batch. */
export class FaultySink extends ReminderEventSink {
  fault: ((em: EntityManager) => Promise<void>) | null = null;
  override async fired(em: EntityManager, occurrences: FiredOccurrence[]): Promise<void> {
    await super.fired(em, occurrences);
    if (this.fault) await this.fault(em);
  }
}

export interface Instance {
  scheduler: ReminderScheduler;
  sink: FaultySink;
  clock: ManualSchedulerClock;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** One scheduler "instance": its own pool, transaction host, clock and sink (as a process would). */
export async function startInstance(now: Date, batchSize = 50): Promise<Instance> {
  const dataSource = new DataSource(
    dataSourceOptions(
      { url: process.env.TEST_DATABASE_URL, dataDir: '', poolSize: 3, statementTimeoutMs: 0 },
      {},
    ),
  );
  await dataSource.initialize();
  const tx = new TransactionHost(dataSource);
  const sink = new FaultySink(new AuditService());
  const clock = new ManualSchedulerClock(now);
  const metrics = new ReminderMetrics(new MetricsService());
  const scheduler = new ReminderScheduler(tx, sink, metrics, clock, {
    pollIntervalMs: 20,
    batchSize,
    lateAfterMs: 60_000,
  });
  return { scheduler, sink, clock, dataSource, close: () => dataSource.destroy() };
}

/** Ticks until a tick finds nothing due; returns how many reminders it processed in total. */
export async function drain(instance: Instance): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await instance.scheduler.tick();
    if (n === 0) return total;
    total += n;
  }
}

export async function seedWorkspace(db: pg.Pool): Promise<string> {
  const userId = newId();
  const workspaceId = newId();
  await db.query(
    `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, 'Sched', 'x')`,
    [userId, `sched-${userId}@example.com`],
  );
  await db.query(`INSERT INTO workspaces (id, name, created_by) VALUES ($1, 'Sched', $2)`, [
    workspaceId,
    userId,
  ]);
  return workspaceId;
}

export interface SeedReminder {
  kind?: 'once' | 'rrule' | 'cron';
  remindAt?: Date;
  rrule?: string;
  dtstart?: string;
  cron?: string;
  timeZone?: string;
  catchUp?: 'fire_all' | 'fire_once' | 'skip';
  nextFireAt: Date;
}

/** Inserts reminders straight into the table (the scheduler's input), returning their ids. */
export async function seedReminders(
  db: pg.Pool,
  workspaceId: string,
  reminders: SeedReminder[],
): Promise<string[]> {
  const ids = reminders.map(() => newId());
  await db.query(
    `INSERT INTO reminders (id, workspace_id, bucket, title, kind, remind_at, rrule, dtstart, cron, time_zone,
                            catch_up, state, next_fire_at, rule_next_at)
     SELECT u.id, $2, $3, 'r', u.kind, u.remind_at, u.rrule, u.dtstart, u.cron, u.tz, u.catch_up, 'active', u.next, u.next
       FROM unnest($1::uuid[], $4::varchar[], $5::timestamptz[], $6::varchar[], $7::varchar[], $8::varchar[],
                   $9::varchar[], $10::varchar[], $11::timestamptz[])
            AS u(id, kind, remind_at, rrule, dtstart, cron, tz, catch_up, next)`,
    [
      ids,
      workspaceId,
      bucketOf(workspaceId),
      reminders.map((r) => r.kind ?? 'once'),
      reminders.map((r) => ((r.kind ?? 'once') === 'once' ? (r.remindAt ?? r.nextFireAt) : null)),
      reminders.map((r) => r.rrule ?? null),
      reminders.map((r) => r.dtstart ?? null),
      reminders.map((r) => r.cron ?? null),
      reminders.map((r) => r.timeZone ?? 'UTC'),
      reminders.map((r) => r.catchUp ?? 'fire_once'),
      reminders.map((r) => r.nextFireAt),
    ],
  );
  return ids;
}

export async function counts(
  db: pg.Pool,
  reminderIds: string[],
): Promise<{
  occurrences: number;
  distinctSlots: number;
  fired: number;
  events: number;
  eventsPerReminderMax: number;
}> {
  const occ = await db.query<{ n: number; slots: number; fired: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT (reminder_id, scheduled_for))::int AS slots,
            count(*) FILTER (WHERE fired_at IS NOT NULL)::int AS fired
       FROM reminder_occurrences WHERE reminder_id = ANY($1)`,
    [reminderIds],
  );
  const ev = await db.query<{ n: number; mx: number }>(
    `SELECT coalesce(sum(c), 0)::int AS n, coalesce(max(c), 0)::int AS mx FROM (
       SELECT count(*) AS c FROM audit_events
        WHERE action = 'reminder.fired' AND entity_id = ANY($1) GROUP BY entity_id, changes->'scheduledFor') x`,
    [reminderIds],
  );
  return {
    occurrences: occ.rows[0]!.n,
    distinctSlots: occ.rows[0]!.slots,
    fired: occ.rows[0]!.fired,
    events: ev.rows[0]!.n,
    eventsPerReminderMax: ev.rows[0]!.mx,
  };
}

import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { remindersConfig, type RemindersConfig } from '../config/app.config.js';
import { TransactionHost } from '../database/transaction-host.js';
import { KERNEL_OPTIONS, type KernelOptions } from '../kernel/outbox-consumers.js';
import { newId } from '../database/uuid.js';
import { ReminderMetrics } from './reminder-metrics.js';
import { scheduleOf, SchedulerClock, type ReminderScheduleRow } from './reminder-schedule.js';
import { ReminderEventSink } from './reminder-event-sink.js';
import { CLAIM_BUCKETS } from './entities/reminder.entity.js';
import { compileSchedule, planFiring, type CatchUpPolicy } from './recurrence.js';

/** `UPDATE ... RETURNING` answers `[rows, count]` through TypeORM; `INSERT ... RETURNING` rows. */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** Advisory-lock namespace of the claim buckets (an arbitrary constant of this module). */
const BUCKET_LOCK_NAMESPACE = 0x52454d; // "REM"
/** How often the due-backlog gauge is refreshed (it counts rows, so not on every poll). */
const BACKLOG_REFRESH_MS = 5_000;

interface ClaimedRow extends ReminderScheduleRow {
  id: string;
  workspaceId: string;
  state: string;
  ruleNextAt: Date | null;
  snoozeUntil: Date | null;
  snoozedFor: Date | null;
  lastFiredFor: Date | null;
}

interface OccurrenceInsert {
  reminderId: string;
  workspaceId: string;
  scheduledFor: Date;
  firedAt: Date | null;
  late: boolean;
  skipped: boolean;
}

interface InsertedOccurrence {
  id: string;
  reminderId: string;
  scheduledFor: Date;
  late: boolean;
  skipped: boolean;
}

interface ReminderUpdate {
  id: string;
  ruleNextAt: Date | null;
  snoozeUntil: Date | null;
  snoozedFor: Date | null;
  lastFiredFor: Date | null;
  state: string;
}

/**
 * Fires due reminders, exactly once across any number of instances.
 *
 * Every instance runs this loop. One claim transaction does all of a batch's work: it takes a
 * claim bucket (reminders are bucketed by workspace; `pg_try_advisory_xact_lock` makes two
 * instances work on different buckets, hence on different audit chains, instead of queueing on
 * the same chain-head locks), locks that bucket's due reminders with FOR UPDATE SKIP LOCKED,
 * inserts their occurrences (ON CONFLICT DO NOTHING on the slot), appends one `reminder.fired`
 * event per fired occurrence in one batch, advances `next_fire_at`, and commits. A crash before
 * COMMIT leaves nothing behind and the rows are claimed again; after COMMIT the slot exists and
 * `next_fire_at` has moved, so nothing fires twice.
 *
 * "Due" is decided against the DATABASE clock (`now()` of the claim transaction), so instances
 * whose clocks disagree still agree on what is due. Tests substitute a `SchedulerClock`.
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReminderScheduler.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private bucketCursor = Math.floor(Math.random() * CLAIM_BUCKETS);
  private backlogCheckedAt = 0;

  constructor(
    private readonly tx: TransactionHost,
    private readonly events: ReminderEventSink,
    private readonly metrics: ReminderMetrics,
    private readonly clock: SchedulerClock,
    @Inject(remindersConfig.KEY) private readonly config: RemindersConfig,
    @Optional() @Inject(KERNEL_OPTIONS) private readonly kernel?: KernelOptions,
  ) {}

  onApplicationBootstrap(): void {
    // BACKGROUND_JOBS=false (kernel) or REMINDER_SCHEDULER_DISABLED=true: this instance serves
    // requests only.
    if (this.kernel?.background === false || process.env.REMINDER_SCHEDULER_DISABLED === 'true')
      return;
    this.start();
  }

  /** Starts the polling loop (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Finishes the batch in progress, then stops (SIGTERM drain). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.loopOnce().finally(() => (this.running = null));
    }, delayMs);
    this.timer.unref();
  }

  private async loopOnce(): Promise<void> {
    let full = false;
    try {
      full = (await this.tick()) >= this.config.batchSize;
      await this.refreshBacklog();
    } catch (err) {
      this.logger.error({ err }, 'reminder claim batch failed; retrying after the poll interval');
    }
    this.schedule(full ? 0 : this.config.pollIntervalMs);
  }

  /**
   * Claims and fires one batch (up to REMINDER_BATCH_SIZE due reminders) in one transaction.
   * Returns how many reminders it processed; tests call it directly.
   */
  async tick(): Promise<number> {
    return this.tx.run(async (em) => {
      const now = await this.clock.now(em);
      const claimed = await this.claim(em, now);
      if (claimed.length === 0) return 0;
      await this.fire(em, claimed, now);
      return claimed.length;
    });
  }

  private async claim(em: EntityManager, now: Date): Promise<ClaimedRow[]> {
    // Which buckets have due work: one cheap probe per bucket on the partial index.
    const dueBuckets: { bucket: number }[] = await em.query(
      `SELECT b AS bucket FROM generate_series(0, ${CLAIM_BUCKETS - 1}) AS b
        WHERE EXISTS (SELECT 1 FROM reminders r
                       WHERE r.bucket = b AND r.state = 'active' AND r.next_fire_at <= $1)`,
      [now],
    );
    if (dueBuckets.length === 0) return [];
    // Start at a rotating position so instances spread over the buckets.
    const start = this.bucketCursor++ % CLAIM_BUCKETS;
    const order = dueBuckets
      .map((r) => r.bucket)
      .sort(
        (a, b) =>
          ((a - start + CLAIM_BUCKETS) % CLAIM_BUCKETS) -
          ((b - start + CLAIM_BUCKETS) % CLAIM_BUCKETS),
      );
    const claimed: ClaimedRow[] = [];
    for (const bucket of order) {
      const room = this.config.batchSize - claimed.length;
      if (room <= 0) break;
      // The bucket lock and the claim in one round trip: the uncorrelated sub-select is an
      // InitPlan, evaluated once before any row is read; when another instance holds the bucket
      // it is false and nothing is claimed (nor locked) here.
      const rows: ClaimedRow[] = await em.query(
        `SELECT id, workspace_id AS "workspaceId", state, kind, remind_at AS "remindAt", rrule, dtstart,
                cron, time_zone AS "timeZone", catch_up AS "catchUp", rule_next_at AS "ruleNextAt",
                snooze_until AS "snoozeUntil", snoozed_for AS "snoozedFor",
                last_fired_for AS "lastFiredFor"
           FROM reminders
          WHERE (SELECT pg_try_advisory_xact_lock($4, $1::int))
            AND bucket = $1 AND state = 'active' AND next_fire_at <= $2
          ORDER BY next_fire_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        [bucket, now, room, BUCKET_LOCK_NAMESPACE],
      );
      claimed.push(...rows);
    }
    return claimed;
  }

  private async fire(em: EntityManager, claimed: ClaimedRow[], now: Date): Promise<void> {
    const occurrences: OccurrenceInsert[] = [];
    const snoozedFired: {
      workspaceId: string;
      reminderId: string;
      scheduledFor: Date;
      late: boolean;
    }[] = [];
    const updates: ReminderUpdate[] = [];
    for (const row of claimed) {
      try {
        this.planRow(row, now, occurrences, snoozedFired, updates);
      } catch (err) {
        // One reminder whose stored schedule no longer compiles (e.g. a zone dropped from the
        // time-zone database) must not stall its bucket: log it and leave it for an operator.
        this.logger.error(
          { err, reminderId: row.id },
          'reminder could not be planned; left unfired',
        );
      }
    }
    await this.apply(em, claimed, occurrences, snoozedFired, updates, now);
  }

  private planRow(
    row: ClaimedRow,
    now: Date,
    occurrences: OccurrenceInsert[],
    snoozedFired: { workspaceId: string; reminderId: string; scheduledFor: Date; late: boolean }[],
    updates: ReminderUpdate[],
  ): void {
    const lateAfterMs = this.config.lateAfterMs;
    {
      const update: ReminderUpdate = {
        id: row.id,
        ruleNextAt: row.ruleNextAt,
        snoozeUntil: row.snoozeUntil,
        snoozedFor: row.snoozedFor,
        lastFiredFor: row.lastFiredFor,
        state: row.state,
      };
      if (row.snoozeUntil && row.snoozedFor && row.snoozeUntil <= now) {
        snoozedFired.push({
          workspaceId: row.workspaceId,
          reminderId: row.id,
          scheduledFor: row.snoozedFor,
          late: now.getTime() - row.snoozeUntil.getTime() > lateAfterMs,
        });
        update.lastFiredFor = row.snoozedFor;
        update.snoozeUntil = null;
        update.snoozedFor = null;
      }
      if (row.ruleNextAt && row.ruleNextAt <= now) {
        const plan = planFiring(
          compileSchedule(scheduleOf(row)),
          row.ruleNextAt,
          now,
          row.catchUp as CatchUpPolicy,
          lateAfterMs,
        );
        for (const f of plan.fire) {
          occurrences.push({
            reminderId: row.id,
            workspaceId: row.workspaceId,
            scheduledFor: f.scheduledFor,
            firedAt: now,
            late: f.late,
            skipped: false,
          });
        }
        for (const s of plan.skipped) {
          occurrences.push({
            reminderId: row.id,
            workspaceId: row.workspaceId,
            scheduledFor: s,
            firedAt: null,
            late: false,
            skipped: true,
          });
        }
        const lastFired = plan.fire[plan.fire.length - 1];
        if (lastFired) update.lastFiredFor = lastFired.scheduledFor;
        update.ruleNextAt = plan.next;
        // A recurring rule with nothing left is done; a one-off stays active until acknowledged.
        if (!plan.next && !update.snoozeUntil && row.kind !== 'once') update.state = 'done';
        if (plan.skippedTruncated) {
          this.logger.warn(
            { reminderId: row.id },
            'catch-up skipped more occurrences than are recorded',
          );
        }
      }
      updates.push(update);
    }
  }

  private async apply(
    em: EntityManager,
    claimed: ClaimedRow[],
    occurrences: OccurrenceInsert[],
    snoozedFired: { workspaceId: string; reminderId: string; scheduledFor: Date; late: boolean }[],
    updates: ReminderUpdate[],
    now: Date,
  ): Promise<void> {
    const inserted = await this.insertOccurrencesAndAdvance(em, occurrences, updates);
    const refired = await this.markSnoozedFired(em, snoozedFired, now);

    const byId = new Map(claimed.map((r) => [r.id, r]));
    const fired = [...inserted.filter((o) => !o.skipped), ...refired];
    await this.events.fired(
      em,
      fired.map((o) => ({
        workspaceId: byId.get(o.reminderId)!.workspaceId,
        reminderId: o.reminderId,
        occurrenceId: o.id,
        scheduledFor: o.scheduledFor,
        late: o.late,
        firedAt: now,
      })),
    );
    for (const o of fired)
      this.metrics.observeFired(now.getTime() - o.scheduledFor.getTime(), o.late);
    this.metrics.addSkipped(inserted.filter((o) => o.skipped).length);
  }

  /**
   * One statement for the batch's row work: inserts the occurrence rows (only the slots that
   * did not exist yet come back) and advances every claimed reminder (`next_fire_at`, the rule's
   * next occurrence, the snooze, the last fired slot, the state), each set-based from arrays.
   */
  private async insertOccurrencesAndAdvance(
    em: EntityManager,
    rows: OccurrenceInsert[],
    updates: ReminderUpdate[],
  ): Promise<InsertedOccurrence[]> {
    if (rows.length === 0 && updates.length === 0) return [];
    const result: InsertedOccurrence[] = await em.query(
      `WITH advanced AS (
         UPDATE reminders r
            SET rule_next_at = u.rule_next_at, snooze_until = u.snooze_until,
                snoozed_for = u.snoozed_for, last_fired_for = u.last_fired_for, state = u.state,
                next_fire_at = LEAST(u.rule_next_at, u.snooze_until)
           FROM unnest($8::uuid[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[],
                       $12::timestamptz[], $13::varchar[])
                AS u(id, rule_next_at, snooze_until, snoozed_for, last_fired_for, state)
          WHERE r.id = u.id
       )
       INSERT INTO reminder_occurrences (id, workspace_id, reminder_id, scheduled_for, fired_at, late, skipped)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[],
                            $6::boolean[], $7::boolean[])
       ON CONFLICT (workspace_id, reminder_id, scheduled_for) DO NOTHING
       RETURNING id, reminder_id AS "reminderId", scheduled_for AS "scheduledFor", late, skipped`,
      [
        rows.map(() => newId()),
        rows.map((r) => r.workspaceId),
        rows.map((r) => r.reminderId),
        rows.map((r) => r.scheduledFor),
        rows.map((r) => r.firedAt),
        rows.map((r) => r.late),
        rows.map((r) => r.skipped),
        updates.map((r) => r.id),
        updates.map((r) => r.ruleNextAt),
        updates.map((r) => r.snoozeUntil),
        updates.map((r) => r.snoozedFor),
        updates.map((r) => r.lastFiredFor),
        updates.map((r) => r.state),
      ],
    );
    return result;
  }

  /** A snoozed occurrence fires again at its snooze time: the same row, fired anew. */
  private async markSnoozedFired(
    em: EntityManager,
    rows: { workspaceId: string; reminderId: string; scheduledFor: Date; late: boolean }[],
    now: Date,
  ): Promise<{ id: string; reminderId: string; scheduledFor: Date; late: boolean }[]> {
    if (rows.length === 0) return [];
    return returnedRows(
      await em.query(
        `UPDATE reminder_occurrences o SET fired_at = $4, late = u.late
         FROM unnest($1::uuid[], $2::timestamptz[], $3::boolean[], $5::uuid[])
              AS u(reminder_id, scheduled_for, late, workspace_id)
        WHERE o.workspace_id = u.workspace_id AND o.reminder_id = u.reminder_id
          AND o.scheduled_for = u.scheduled_for
        RETURNING o.id, o.reminder_id AS "reminderId", o.scheduled_for AS "scheduledFor", o.late`,
        [
          rows.map((r) => r.reminderId),
          rows.map((r) => r.scheduledFor),
          rows.map((r) => r.late),
          now,
          rows.map((r) => r.workspaceId),
        ],
      ),
    );
  }

  private async refreshBacklog(): Promise<void> {
    const nowMs = Date.now();
    if (nowMs - this.backlogCheckedAt < BACKLOG_REFRESH_MS) return;
    this.backlogCheckedAt = nowMs;
    const [{ count }] = (await this.tx.manager.query(
      `SELECT count(*)::int AS count FROM reminders WHERE state = 'active' AND next_fire_at <= now()`,
    )) as { count: number }[];
    this.metrics.setBacklog(count);
  }
}

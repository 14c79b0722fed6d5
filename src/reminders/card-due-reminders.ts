import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import { OutboxService, type OutboxEvent } from '../audit/outbox.service.js';
import { remindersConfig, type RemindersConfig } from '../config/app.config.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { WorkspaceAccess } from '../identity/workspace-access.service.js';
import { REMINDER_TITLE_MAX } from './entities/reminder.entity.js';
import { instantBefore, parseRemindBefore } from './recurrence.js';
import { REMINDERS_SYSTEM_ACTOR } from './reminder-event-sink.js';
import { bucketOf } from './reminder-schedule.js';

export const CARD_DUE_CONSUMER = 'reminders.card-due';
const BATCH = 200;
/** Advisory lock that makes one instance at a time the consumer (the outbox cursor is per name). */
const CONSUMER_LOCK = [0x52454d, 1] as const;
/** The consumer polls this many scheduler intervals apart (due dates are not second-critical). */
const POLL_FACTOR = 4;
const DUE_TITLE_PREFIX = 'Due: ';

interface CardReminderRow {
  id: string;
  sourceOffset: string;
  state: string;
  title: string;
}

/**
 * Keeps one reminder per `remindBefore` offset of a card in step with the card, from the card
 * events of the event log (never from the board's tables): created when a card gets a due date
 * and offsets, moved when the due date or the offsets change, cancelled when the due date is
 * cleared, an offset removed, or the card archived or deleted. The board puts both `dueAt` and
 * `remindBefore` into a card event's changes whenever either changes.
 *
 * Idempotent per event (an upsert keyed on workspace, card and offset), so the outbox's
 * at-least-once delivery is harmless. Writes and their audit events commit with the cursor move.
 */
@Injectable()
export class CardDueReminders {
  constructor(
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
  ) {}

  async handle(events: OutboxEvent[], em: EntityManager, now: Date): Promise<void> {
    const audit: AuditEventInput[] = [];
    for (const e of events) {
      if (e.entityType !== 'card' || !e.workspaceId || !e.entityId) continue;
      if (e.action === 'card.archived' || e.action === 'card.deleted') {
        await this.sync(em, e.workspaceId, e.entityId, null, [], undefined, null, now, audit);
      } else if (
        (e.action === 'card.created' || e.action === 'card.updated') &&
        (e.changes.dueAt || e.changes.remindBefore)
      ) {
        const dueAt = (e.changes.dueAt?.to as string | null | undefined) ?? null;
        const offsets = (e.changes.remindBefore?.to as string[] | null | undefined) ?? [];
        const title = e.changes.title?.to as string | undefined;
        const recipient = e.actor.type === 'user' ? e.actor.id : null;
        await this.sync(
          em,
          e.workspaceId,
          e.entityId,
          dueAt,
          offsets,
          title,
          recipient,
          now,
          audit,
        );
      }
    }
    await this.audit.appendBatch(em, audit);
  }

  private async sync(
    em: EntityManager,
    workspaceId: string,
    cardId: string,
    dueAt: string | null,
    offsets: string[],
    title: string | undefined,
    recipient: string | null,
    now: Date,
    audit: AuditEventInput[],
  ): Promise<void> {
    const existing = (await em.query(
      `SELECT id, source_offset AS "sourceOffset", state, title FROM reminders
        WHERE workspace_id = $1 AND source_card_id = $2 FOR UPDATE`,
      [workspaceId, cardId],
    )) as CardReminderRow[];
    const byOffset = new Map(existing.map((r) => [r.sourceOffset, r]));
    const wanted = dueAt ? new Set(offsets) : new Set<string>();
    const zone = wanted.size > 0 ? await this.access.timeZone(workspaceId) : 'UTC';
    const record = (action: string, id: string, changes: Record<string, unknown>): void => {
      audit.push({
        workspaceId,
        action,
        entityType: 'reminder',
        entityId: id,
        actor: REMINDERS_SYSTEM_ACTOR,
        changes: Object.fromEntries(
          Object.entries(changes).map(([k, v]) => [k, { from: null, to: v }]),
        ),
      });
    };
    for (const offset of wanted) {
      const at = instantBefore(new Date(dueAt!), parseRemindBefore(offset), zone);
      const active = at > now;
      const row = byOffset.get(offset);
      if (row) {
        await em.query(
          `UPDATE reminders SET remind_at = $2, rule_next_at = $3, next_fire_at = $3, state = $4,
                  snooze_until = NULL, snoozed_for = NULL, title = COALESCE($5, title),
                  version = version + 1, updated_at = now()
            WHERE id = $1`,
          [
            row.id,
            at,
            active ? at : null,
            active ? 'active' : 'done',
            title ? dueTitle(title) : null,
          ],
        );
        record('reminder.updated', row.id, {
          remindAt: at.toISOString(),
          state: active ? 'active' : 'done',
        });
      } else if (active) {
        const id = newId();
        await em.query(
          `INSERT INTO reminders (id, workspace_id, bucket, title, kind, remind_at, time_zone, target_type,
                                  target_id, catch_up, state, next_fire_at, rule_next_at, source_card_id,
                                  source_offset, created_by)
           VALUES ($1, $2, $3, $4, 'once', $5, $6, 'card', $7, 'fire_once', 'active', $5, $5, $7, $8, $9)`,
          [
            id,
            workspaceId,
            bucketOf(workspaceId),
            dueTitle(title ?? 'card'),
            at,
            zone,
            cardId,
            offset,
            recipient,
          ],
        );
        if (recipient) {
          await em.query(
            `INSERT INTO reminder_recipients (workspace_id, reminder_id, user_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [workspaceId, id, recipient],
          );
        }
        record('reminder.created', id, {
          cardId,
          remindBefore: offset,
          remindAt: at.toISOString(),
        });
      }
    }
    for (const row of existing) {
      if (wanted.has(row.sourceOffset) || row.state === 'cancelled') continue;
      await em.query(
        `UPDATE reminders SET state = 'cancelled', next_fire_at = NULL, rule_next_at = NULL,
                snooze_until = NULL, snoozed_for = NULL, version = version + 1, updated_at = now()
          WHERE id = $1`,
        [row.id],
      );
      record('reminder.cancelled', row.id, { state: 'cancelled' });
    }
  }
}

function dueTitle(cardTitle: string): string {
  return `${DUE_TITLE_PREFIX}${cardTitle}`.slice(0, REMINDER_TITLE_MAX);
}

/**
 * Runs `CardDueReminders` over the outbox in every instance; an advisory lock makes one instance
 * at a time the consumer. Reading, handling and moving the cursor are one transaction.
 */
@Injectable()
export class CardDueWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CardDueWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly tx: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly handler: CardDueReminders,
    @Inject(remindersConfig.KEY) private readonly config: RemindersConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Processes one batch; returns how many events it read. */
  async tick(): Promise<number> {
    return this.tx.run(async (em) => {
      const [{ locked }] = (await em.query(`SELECT pg_try_advisory_xact_lock($1, $2) AS locked`, [
        ...CONSUMER_LOCK,
      ])) as { locked: boolean }[];
      if (!locked) return 0;
      const events = await this.outbox.read(CARD_DUE_CONSUMER, { limit: BATCH });
      if (events.length === 0) return 0;
      await this.handler.handle(events, em, new Date());
      await this.outbox.acknowledge(CARD_DUE_CONSUMER, events);
      return events.length;
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick()
        .then((n) => this.schedule(n >= BATCH ? 0 : this.config.pollIntervalMs * POLL_FACTOR))
        .catch((err: unknown) => {
          this.logger.error({ err }, 'card due-date consumer failed; retrying');
          this.schedule(this.config.pollIntervalMs * POLL_FACTOR);
        })
        .finally(() => (this.running = null));
    }, delayMs);
    this.timer.unref();
  }
}

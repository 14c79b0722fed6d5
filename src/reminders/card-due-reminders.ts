import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import {
  Clock,
  OutboxConsumer,
  WorkspaceDirectory,
  SystemActors,
  type OutboxEvent,
  type OutboxHandler,
} from '../kernel/index.js';
import { newId } from '../database/uuid.js';
import { REMINDER_TITLE_MAX } from './entities/reminder.entity.js';
import { instantBefore, parseRemindBefore } from './recurrence.js';
import { ReminderEvents } from './reminders.events.js';
import { bucketOf } from './reminder-schedule.js';

export const CARD_DUE_CONSUMER = 'reminders.card-due';
const BATCH = 200;
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
 * cleared, an offset removed, or the card archived or deleted, and back (for offsets still
 * ahead) when the card is restored. The board puts `dueAt`, `remindBefore` and `title` into a
 * card event's changes whenever either due field changes and when a card with a due date is
 * restored, plus `archivedAt` when the card is archived (then no reminder stays active).
 *
 * Idempotent per event (an upsert keyed on workspace, card and offset), so the outbox's
 * at-least-once delivery is harmless. Writes and their audit events commit with the cursor move.
 */
@OutboxConsumer({ name: CARD_DUE_CONSUMER, batch: BATCH, chains: 'workspaces' })
@Injectable()
export class CardDueReminders implements OutboxHandler {
  constructor(
    private readonly audit: AuditService,
    private readonly directory: WorkspaceDirectory,
    private readonly clock: Clock,
  ) {}

  async handle(events: OutboxEvent[], em: EntityManager): Promise<void> {
    const now = this.clock.now();
    const audit: AuditEventInput[] = [];
    for (const e of events) {
      if (e.entityType !== 'card' || !e.workspaceId || !e.entityId) continue;
      // An archived card keeps no reminders, even when its due date is edited meanwhile.
      const archived = e.changes.archivedAt?.to != null;
      if (e.action === 'card.archived' || e.action === 'card.deleted') {
        await this.sync(em, e.workspaceId, e.entityId, null, [], undefined, null, now, audit);
      } else if (
        (e.action === 'card.created' ||
          e.action === 'card.updated' ||
          e.action === 'card.restored') &&
        (e.changes.dueAt || e.changes.remindBefore)
      ) {
        const dueAt = archived
          ? null
          : ((e.changes.dueAt?.to as string | null | undefined) ?? null);
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
    const zone = wanted.size > 0 ? await this.directory.timeZone(workspaceId) : 'UTC';
    const record = (
      action: (typeof ReminderEvents)[keyof typeof ReminderEvents],
      id: string,
      changes: Record<string, unknown>,
    ): void => {
      audit.push({
        workspaceId,
        action: action.action,
        entityType: action.entityType,
        entityId: id,
        actor: SystemActors.reminders,
        changes: Object.fromEntries(
          Object.entries(changes).map(([k, v]) => [k, { from: null, to: v }]),
        ),
      });
    };
    for (const offset of wanted) {
      const at = instantBefore(new Date(dueAt!), parseRemindBefore(offset), zone);
      const active = at > now;
      const row = byOffset.get(offset);
      // A cancelled reminder whose time is past stays cancelled (no reminder, like at creation).
      if (row && !active && row.state === 'cancelled') continue;
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
        record(ReminderEvents.updated, row.id, {
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
        record(ReminderEvents.created, id, {
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
      record(ReminderEvents.cancelled, row.id, { state: 'cancelled' });
    }
  }
}

function dueTitle(cardTitle: string): string {
  return `${DUE_TITLE_PREFIX}${cardTitle}`.slice(0, REMINDER_TITLE_MAX);
}

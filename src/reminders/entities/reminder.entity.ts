import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';

export const REMINDER_TITLE_MAX = 500;
export const REMINDER_NOTE_MAX = 10_000;
export const RRULE_MAX = 1000;
export const CRON_MAX = 100;
export const TIME_ZONE_MAX = 64;
/** Reminders are spread over this many claim buckets (by workspace) for the scheduler. */
export const CLAIM_BUCKETS = 64;

export type ReminderState = 'active' | 'done' | 'cancelled';
export type ScheduleKind = 'once' | 'rrule' | 'cron';
export type TargetType = 'card' | 'note';

/**
 * A reminder. `next_fire_at` is the next moment the scheduler has work for it: the earlier of
 * the rule's next occurrence not yet fired (`rule_next_at`) and a pending snooze
 * (`snooze_until`). The claim query reads the partial index `ix_reminders_due`, which holds only
 * active reminders with something to fire and leads with the bucket the claim filters on, then
 * the due time it orders by.
 */
@Entity('reminders')
@Index('ix_reminders_due', ['bucket', 'nextFireAt'], {
  where: `state = 'active' AND next_fire_at IS NOT NULL`,
})
@Index('ix_reminders_workspace_next', ['workspaceId', 'nextFireAt', 'id'])
@Index('ix_reminders_workspace_target', ['workspaceId', 'targetId'], {
  where: 'target_id IS NOT NULL',
})
// One reminder per (card, offset) for due-date reminders kept in step with the card.
@Index('ux_reminders_card_offset', ['workspaceId', 'sourceCardId', 'sourceOffset'], {
  unique: true,
  where: 'source_card_id IS NOT NULL',
})
@Index('ux_reminders_workspace_id', ['workspaceId', 'id'], { unique: true })
@Check('ck_reminders_title_not_empty', `char_length(title) > 0`)
@Check('ck_reminders_state', `state IN ('active', 'done', 'cancelled')`)
@Check('ck_reminders_catch_up', `catch_up IN ('fire_all', 'fire_once', 'skip')`)
@Check('ck_reminders_target_type', `target_type IS NULL OR target_type IN ('card', 'note')`)
@Check('ck_reminders_target_pair', `(target_type IS NULL) = (target_id IS NULL)`)
@Check(
  'ck_reminders_schedule',
  `(kind = 'once' AND remind_at IS NOT NULL AND rrule IS NULL AND cron IS NULL)
   OR (kind = 'rrule' AND rrule IS NOT NULL AND dtstart IS NOT NULL AND remind_at IS NULL AND cron IS NULL)
   OR (kind = 'cron' AND cron IS NOT NULL AND remind_at IS NULL AND rrule IS NULL)`,
)
export class ReminderEntity extends VersionedEntity {
  @Column({ type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  /** Claim bucket derived from the workspace id, so one workspace's reminders share a bucket. */
  @Column({ type: 'smallint' })
  bucket: number;

  @Column({ type: 'varchar', length: REMINDER_TITLE_MAX })
  title: string;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'varchar', length: 8 })
  kind: ScheduleKind;

  @Column({ type: 'timestamptz', nullable: true })
  remindAt: Date | null;

  @Column({ type: 'varchar', length: RRULE_MAX, nullable: true })
  rrule: string | null;

  /** Local wall time `YYYY-MM-DDTHH:mm:ss` in `time_zone`. */
  @Column({ type: 'varchar', length: 19, nullable: true })
  dtstart: string | null;

  @Column({ type: 'varchar', length: CRON_MAX, nullable: true })
  cron: string | null;

  @Column({ type: 'varchar', length: TIME_ZONE_MAX })
  timeZone: string;

  @Column({ type: 'varchar', length: 8, nullable: true })
  targetType: TargetType | null;

  @Column({ type: 'uuid', nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 10, default: 'fire_once' })
  catchUp: string;

  @Column({ type: 'varchar', length: 10, default: 'active' })
  state: ReminderState;

  @Column({ type: 'timestamptz', nullable: true })
  nextFireAt: Date | null;

  /** The rule's next occurrence that has not fired yet (null: the rule has none left). */
  @Column({ type: 'timestamptz', nullable: true })
  ruleNextAt: Date | null;

  /** A pending snooze: the occurrence `snoozed_for` fires (again) at this instant. */
  @Column({ type: 'timestamptz', nullable: true })
  snoozeUntil: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  snoozedFor: Date | null;

  /** The occurrence that fired last (what `ack` acknowledges). */
  @Column({ type: 'timestamptz', nullable: true })
  lastFiredFor: Date | null;

  @Column({ type: 'uuid', nullable: true })
  createdBy: string | null;

  /** Due-date reminders: the card they follow and the ISO 8601 offset before its due date. */
  @Column({ type: 'uuid', nullable: true })
  sourceCardId: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  sourceOffset: string | null;
}

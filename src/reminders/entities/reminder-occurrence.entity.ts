import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * One occurrence of a reminder: fired (maybe late), skipped by the catch-up policy, snoozed,
 * acknowledged. `ux_reminder_occurrences_slot` makes an occurrence exist at most once per
 * (reminder, scheduled time): the scheduler inserts with ON CONFLICT DO NOTHING, so however
 * many instances race, a slot fires once. The workspace leads the key (the reminder determines
 * the workspace, so this is the same uniqueness as (reminder_id, scheduled_for)).
 */
@Entity('reminder_occurrences')
@Index('ux_reminder_occurrences_slot', ['workspaceId', 'reminderId', 'scheduledFor'], {
  unique: true,
})
@ForeignKey('ReminderEntity', ['workspaceId', 'reminderId'], ['workspaceId', 'id'], {
  name: 'fk_reminder_occurrences_reminder',
  onDelete: 'CASCADE',
})
export class ReminderOccurrenceEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  workspaceId: string;

  @Column({ type: 'uuid' })
  reminderId: string;

  @Column({ type: 'timestamptz' })
  scheduledFor: Date;

  @Column({ type: 'timestamptz', nullable: true })
  firedAt: Date | null;

  @Column({ type: 'boolean', default: false })
  late: boolean;

  @Column({ type: 'boolean', default: false })
  skipped: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  snoozedUntil: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

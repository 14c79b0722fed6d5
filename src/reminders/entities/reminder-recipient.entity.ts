import { Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/** Who a reminder is for (workspace members; the creator by default). */
@Entity('reminder_recipients')
@Index('ix_reminder_recipients_user', ['workspaceId', 'userId', 'reminderId'])
@ForeignKey('ReminderEntity', ['workspaceId', 'reminderId'], ['workspaceId', 'id'], {
  name: 'fk_reminder_recipients_reminder',
  onDelete: 'CASCADE',
})
export class ReminderRecipientEntity {
  @PrimaryColumn('uuid')
  workspaceId: string;

  @PrimaryColumn('uuid')
  reminderId: string;

  @PrimaryColumn('uuid')
  @ForeignKey('UserEntity', { onDelete: 'CASCADE' })
  userId: string;
}

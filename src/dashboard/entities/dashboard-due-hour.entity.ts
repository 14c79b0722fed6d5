import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';

/**
 * Per (board, UTC hour of the due date): the active, unfinished cards due in that hour. The
 * dashboard's due panel reads these rows (one per board and distinct due hour of such cards)
 * and the cards of the three hours its windows cut (now, now + 24 h, now + 7 d), never every
 * card with a due date.
 */
@Entity('dashboard_due_hours')
export class DashboardDueHourEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @PrimaryColumn({ type: 'timestamptz' })
  hour: Date;

  @Column({ type: 'integer', default: 0 })
  cards: number;
}

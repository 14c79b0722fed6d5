import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * One stay of a card in a column, [entered_at, left_at): the raw transitions the cumulative
 * flow diagram is cut from, in whatever time zone is asked (a day's count is the stays open
 * at that day's end). Archiving or deleting a card closes its stay; restoring opens a new one.
 */
@Entity('dashboard_intervals')
@Index('ix_dashboard_intervals_board_left', ['workspaceId', 'boardId', 'leftAt', 'enteredAt'])
@Index('ux_dashboard_intervals_open', ['workspaceId', 'cardId'], {
  unique: true,
  where: 'left_at IS NULL',
})
export class DashboardIntervalEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @Column({ name: 'card_id', type: 'uuid' })
  cardId: string;

  @Column({ name: 'column_id', type: 'uuid' })
  columnId: string;

  @Column({ name: 'entered_at', type: 'timestamptz' })
  enteredAt: Date;

  @Column({ name: 'left_at', type: 'timestamptz', nullable: true })
  leftAt: Date | null;
}

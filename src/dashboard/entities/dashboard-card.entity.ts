import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A card's flow state as the dashboard keeps it (see the README's definitions): where it is,
 * when it was created, started (first entry into a column after the board's first) and
 * finished (entry into the done column; cleared when reopened), its due date and archive time.
 * Partial indexes serve each panel with an index range, never a scan of a board's cards.
 */
@Entity('dashboard_cards')
@Index('ix_dashboard_cards_finished', ['workspaceId', 'boardId', 'finishedAt'], {
  where: 'finished_at IS NOT NULL',
})
@Index('ix_dashboard_cards_finished_workspace', ['workspaceId', 'finishedAt'], {
  where: 'finished_at IS NOT NULL',
})
@Index('ix_dashboard_cards_in_progress_workspace', ['workspaceId', 'startedAt', 'boardId'], {
  where: 'started_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL',
})
@Index('ix_dashboard_cards_due', ['workspaceId', 'dueAt'], {
  where: 'due_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL',
})
@Index('ix_dashboard_cards_in_progress', ['workspaceId', 'boardId', 'startedAt'], {
  where: 'started_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL',
})
@Index('ix_dashboard_cards_column', ['workspaceId', 'columnId'])
export class DashboardCardEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'card_id', type: 'uuid' })
  cardId: string;

  @Column({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @Column({ name: 'column_id', type: 'uuid' })
  columnId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'column_entered_at', type: 'timestamptz' })
  columnEnteredAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt: Date | null;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt: Date | null;
}

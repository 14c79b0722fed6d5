import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * The dashboard's copy of a column with its maintained counters: `open_cards` (not archived;
 * they count as done when the column is the done column, else as active) and
 * `archived_cards`. Status counts per board are sums over a handful of column rows.
 */
@Entity('dashboard_columns')
@Index('ix_dashboard_columns_board', ['workspaceId', 'boardId'])
@Check('ck_dashboard_columns_counts', `open_cards >= 0 AND archived_cards >= 0`)
export class DashboardColumnEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'column_id', type: 'uuid' })
  columnId: string;

  @Column({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** The board's order key (compared with collation "C", as the board sorts it). */
  @Column({ type: 'varchar', length: 200, collation: 'C' })
  position: string;

  @Column({ name: 'wip_limit', type: 'integer', nullable: true })
  wipLimit: number | null;

  @Column({ name: 'is_done', type: 'boolean', default: false })
  isDone: boolean;

  /** Marked "in progress" on the board: decides where its cards start (`flow.projector.ts`). */
  @Column({ name: 'in_progress', type: 'boolean', default: false })
  inProgress: boolean;

  @Column({ name: 'open_cards', type: 'integer', default: 0 })
  openCards: number;

  @Column({ name: 'archived_cards', type: 'integer', default: 0 })
  archivedCards: number;
}

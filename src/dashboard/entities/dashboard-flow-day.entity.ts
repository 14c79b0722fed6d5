import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * Per (board, UTC day, column): the sums of `dashboard_flow_buckets` over the day, so that a
 * long range reads one row per day and column instead of 96. The partial index serves the
 * dashboard's throughput of every board (finished cards per UTC day).
 */
@Entity('dashboard_flow_days')
@Index('ix_dashboard_flow_days_finished', ['workspaceId', 'day', 'boardId'], {
  where: 'finished <> 0',
})
export class DashboardFlowDayEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ name: 'column_id', type: 'uuid' })
  columnId: string;

  @Column({ type: 'integer', default: 0 })
  net: number;

  @Column({ type: 'integer', default: 0 })
  finished: number;
}

import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * Per (board, UTC day of finish, histogram bucket): how many cards finished that day with a
 * cycle time (`cycle`) and a lead time (`lead`) in the bucket (log scale, see
 * `HISTOGRAM_THRESHOLDS` in `flow.rollups.ts`). Percentiles over many samples come from here.
 */
@Entity('dashboard_flow_times')
// Covering (index-only scans): the dashboard sums every live board's rows of 30 days.
@Index('ix_dashboard_flow_times_day', ['workspaceId', 'day', 'boardId', 'bucket', 'cycle', 'lead'])
export class DashboardFlowTimeEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @PrimaryColumn({ type: 'date' })
  day: string;

  @PrimaryColumn({ type: 'smallint' })
  bucket: number;

  @Column({ type: 'integer', default: 0 })
  cycle: number;

  @Column({ type: 'integer', default: 0 })
  lead: number;
}

import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';

/**
 * Per (board, 15-minute UTC bucket, column): the net change of open cards in the column
 * (`net`) and the cards that finished there (`finished`) in that quarter hour. The cumulative
 * flow and throughput of days cut in any zone are read from these and `dashboard_flow_days`
 * (see `flow.rollups.ts`); maintained by the projection in the transaction of the change.
 */
@Entity('dashboard_flow_buckets')
export class DashboardFlowBucketEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @PrimaryColumn({ type: 'timestamptz' })
  bucket: Date;

  @PrimaryColumn({ name: 'column_id', type: 'uuid' })
  columnId: string;

  @Column({ type: 'integer', default: 0 })
  net: number;

  @Column({ type: 'integer', default: 0 })
  finished: number;
}

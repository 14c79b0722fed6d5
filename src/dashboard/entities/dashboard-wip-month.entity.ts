import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';

/**
 * Per (board, UTC month of start): the cards in progress (started, not finished, not
 * archived). Work-item age percentiles find the month holding the wanted rank here, then read
 * that one card by an index range within the month.
 */
@Entity('dashboard_wip_months')
export class DashboardWipMonthEntity {
  @PrimaryColumn({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @PrimaryColumn({ type: 'date' })
  month: string;

  @Column({ type: 'integer', default: 0 })
  cards: number;
}

import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/** The dashboard's copy of a board (name, archived), projected from board events. */
@Entity('dashboard_boards')
@Index('ix_dashboard_boards_workspace', ['workspaceId', 'id'])
export class DashboardBoardEntity {
  /** The board's id. */
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt: Date | null;
}

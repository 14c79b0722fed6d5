import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';

/** A board of a workspace: columns (ordered), cards, labels. */
@Entity('boards')
// Lists a workspace's boards in creation order (UUIDv7), and is the target of the composite
// foreign keys of columns, cards and labels (workspace_id leads them all, see DESIGN §1).
@Index('ux_boards_workspace_id', ['workspaceId', 'id'], { unique: true })
@Check('ck_boards_name_not_empty', `char_length(name) > 0`)
export class BoardEntity extends VersionedEntity {
  @Column({ type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Markdown, stored exactly as sent. */
  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'uuid' })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  createdBy: string;

  /** Archived boards are read-only until restored. */
  @Column({ type: 'timestamptz', nullable: true })
  archivedAt: Date | null;
}

import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';

/** A label of one board (`#rrggbb` colour); cards of that board only may carry it. */
@Entity('board_labels')
@Index('ux_board_labels_workspace_board_id', ['workspaceId', 'boardId', 'id'], { unique: true })
@Index('ux_board_labels_board_name', ['workspaceId', 'boardId', 'name'], { unique: true })
@ForeignKey('BoardEntity', ['workspaceId', 'boardId'], ['workspaceId', 'id'], {
  name: 'fk_board_labels_board',
  onDelete: 'CASCADE',
})
@Check('ck_board_labels_color', `color ~ '^#[0-9a-f]{6}$'`)
@Check('ck_board_labels_name_not_empty', `char_length(name) > 0`)
export class LabelEntity extends VersionedEntity {
  @Column({ type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'uuid' })
  boardId: string;

  @Column({ type: 'varchar', length: 50 })
  name: string;

  @Column({ type: 'varchar', length: 7 })
  color: string;
}

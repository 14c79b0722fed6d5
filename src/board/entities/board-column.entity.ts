import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';
import { ORDER_KEY_COLLATION, ORDER_KEY_MAX_STORED } from '../ordering.js';

/** A column of a board. Ordered by a fractional key; optionally WIP-limited; at most one "done";
 * any number "in progress". */
@Entity('board_columns')
@Index('ux_board_columns_workspace_board_id', ['workspaceId', 'boardId', 'id'], { unique: true })
@Index('ix_board_columns_board_position', ['workspaceId', 'boardId', 'position', 'id'])
@Index('ux_board_columns_board_done', ['workspaceId', 'boardId'], {
  unique: true,
  where: 'is_done',
})
@ForeignKey('BoardEntity', ['workspaceId', 'boardId'], ['workspaceId', 'id'], {
  name: 'fk_board_columns_board',
  onDelete: 'CASCADE',
})
@Check('ck_board_columns_wip_limit', `wip_limit IS NULL OR wip_limit > 0`)
@Check('ck_board_columns_name_not_empty', `char_length(name) > 0`)
export class BoardColumnEntity extends VersionedEntity {
  @Column({ type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'uuid' })
  boardId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Fractional-indexing key; compared bytewise (collation "C"), like the library compares. */
  @Column({ type: 'varchar', length: ORDER_KEY_MAX_STORED, collation: ORDER_KEY_COLLATION })
  position: string;

  /** At most this many non-archived cards; null = no limit. */
  @Column({ type: 'integer', nullable: true })
  wipLimit: number | null;

  /** The board's "done" column: entering it stamps a card's done times (cycle time, throughput). */
  @Column({ type: 'boolean', default: false })
  isDone: boolean;

  /**
   * An "in progress" column: when a board has any, a card starts (cycle time, work-item age) on
   * its first entry into one of them (or into the done column if it skipped them).
   */
  @Column({ type: 'boolean', default: false })
  inProgress: boolean;
}

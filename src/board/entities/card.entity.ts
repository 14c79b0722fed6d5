import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';
import { ORDER_KEY_COLLATION, ORDER_KEY_MAX_STORED } from '../ordering.js';

export const CARD_TITLE_MAX = 500;
/** At most this many `remindBefore` offsets per card. */
export const REMIND_BEFORE_MAX = 5;
/** 100 KB of UTF-8, checked on bytes (the API and a CHECK constraint agree). */
export const CARD_DESCRIPTION_MAX_BYTES = 102_400;

export interface ChecklistItem {
  text: string;
  done: boolean;
}

/**
 * A card. Its order inside its column is `position`, a fractional-indexing key, so that
 * creating or moving a card writes only that card's row. Deleting a card is a hard delete (its
 * audit event keeps the record); rows of other modules that link to it use
 * `ON DELETE CASCADE` on `cards.id`.
 */
@Entity('cards')
// Target of the composite keys of labels, assignees and comments (same workspace and board).
@Index('ux_cards_workspace_board_id', ['workspaceId', 'boardId', 'id'], { unique: true })
// The board's card list: column by column, then by key (bytewise), then id.
@Index('ix_cards_column_order', ['workspaceId', 'boardId', 'columnId', 'position', 'id'])
@Index('ix_cards_column_order_archived', ['workspaceId', 'boardId', 'columnId', 'position', 'id'], {
  where: 'archived_at IS NOT NULL',
})
// For the dashboard: overdue / due soon, and throughput by done time, without scanning cards.
@Index('ix_cards_workspace_due', ['workspaceId', 'dueAt'], {
  where: 'due_at IS NOT NULL AND archived_at IS NULL',
})
@Index('ix_cards_workspace_done', ['workspaceId', 'doneLastAt'], {
  where: 'done_last_at IS NOT NULL',
})
@ForeignKey('BoardEntity', ['workspaceId', 'boardId'], ['workspaceId', 'id'], {
  name: 'fk_cards_board',
  onDelete: 'CASCADE',
})
// The column must be of the card's board; a column holding cards cannot be deleted.
@ForeignKey(
  'BoardColumnEntity',
  ['workspaceId', 'boardId', 'columnId'],
  ['workspaceId', 'boardId', 'id'],
  { name: 'fk_cards_column' },
)
@Check('ck_cards_title_not_empty', `char_length(title) > 0`)
@Check('ck_cards_description_size', `octet_length(description) <= ${CARD_DESCRIPTION_MAX_BYTES}`)
@Check('ck_cards_checklist_array', `jsonb_typeof(checklist) = 'array'`)
@Check('ck_cards_position_not_empty', `position <> ''`)
export class CardEntity extends VersionedEntity {
  @Column({ type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'uuid' })
  boardId: string;

  @Column({ type: 'uuid' })
  columnId: string;

  /** Fractional-indexing key inside the column; compared bytewise (collation "C"). */
  @Column({ type: 'varchar', length: ORDER_KEY_MAX_STORED, collation: ORDER_KEY_COLLATION })
  position: string;

  @Column({ type: 'varchar', length: CARD_TITLE_MAX })
  title: string;

  /** Markdown, stored exactly as sent. */
  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'timestamptz', nullable: true })
  dueAt: Date | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  checklist: ChecklistItem[];

  /** ISO 8601 durations before `due_at` at which the reminders module reminds (at most 5). */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  remindBefore: string[];

  @Column({ type: 'timestamptz', nullable: true })
  archivedAt: Date | null;

  /** When the card entered its current column (created there, or moved in). */
  @Column({ type: 'timestamptz', default: () => 'now()' })
  columnEnteredAt: Date;

  /** When the card first entered the board's done column (cycle time). */
  @Column({ type: 'timestamptz', nullable: true })
  doneFirstAt: Date | null;

  /** When the card last entered the board's done column (throughput). */
  @Column({ type: 'timestamptz', nullable: true })
  doneLastAt: Date | null;

  /** Null when a system actor created it (an inbound connector); its audit event names which. */
  @Column({ type: 'uuid', nullable: true })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  createdBy: string | null;
}

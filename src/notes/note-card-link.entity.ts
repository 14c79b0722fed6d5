import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A note linked to a card of the same workspace. Both foreign keys are composite and include
 * workspace_id, so the database itself refuses a link across workspaces; deleting the note or
 * the card deletes the link (never the other side), and each cascade finds the links through
 * an index leading with workspace_id. The card is referenced by entity name (the board module
 * owns cards) through the board's unique (workspace_id, board_id, id); cards never change
 * board.
 */
@Entity('note_card_links')
@Index('ux_note_card_links_note_card', ['workspaceId', 'noteId', 'cardId'], { unique: true })
// A note's cards and a card's notes, newest link first (ids are UUIDv7, so time-ordered).
@Index('ix_note_card_links_note', ['workspaceId', 'noteId', 'id'])
@Index('ix_note_card_links_card', ['workspaceId', 'boardId', 'cardId', 'id'])
@ForeignKey('NoteEntity', ['workspaceId', 'noteId'], ['workspaceId', 'id'], {
  name: 'fk_note_card_links_note',
  onDelete: 'CASCADE',
})
@ForeignKey('CardEntity', ['workspaceId', 'boardId', 'cardId'], ['workspaceId', 'boardId', 'id'], {
  name: 'fk_note_card_links_card',
  onDelete: 'CASCADE',
})
export class NoteCardLinkEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'note_id', type: 'uuid' })
  noteId: string;

  @Column({ name: 'board_id', type: 'uuid' })
  boardId: string;

  @Column({ name: 'card_id', type: 'uuid' })
  cardId: string;

  @Column({ name: 'created_by', type: 'uuid' })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

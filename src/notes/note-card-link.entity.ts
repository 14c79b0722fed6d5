import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A note linked to a card of the same workspace (checked by the API through the board's
 * CardDirectory). Deleting the note or the card deletes the link, never the other side.
 */
@Entity('note_card_links')
@Index('ux_note_card_links_note_card', ['workspaceId', 'noteId', 'cardId'], { unique: true })
// A note's cards and a card's notes, newest link first (ids are UUIDv7, so time-ordered).
@Index('ix_note_card_links_note', ['workspaceId', 'noteId', 'id'])
@Index('ix_note_card_links_card', ['workspaceId', 'cardId', 'id'])
export class NoteCardLinkEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'note_id', type: 'uuid' })
  @ForeignKey('NoteEntity', { onDelete: 'CASCADE' })
  noteId: string;

  /** By entity name: the board module owns cards. */
  @Column({ name: 'card_id', type: 'uuid' })
  @ForeignKey('CardEntity', { onDelete: 'CASCADE' })
  cardId: string;

  @Column({ name: 'created_by', type: 'uuid' })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

import { Column, Entity, ForeignKey, Index } from 'typeorm';
import { BaseEntity } from '../database/base.entity.js';
import { NOTE_TITLE_MAX_LENGTH } from './notes.constants.js';

/**
 * A past state of a note's title, body and tags: the note as it was at `version`, written by
 * `author_id` at `authored_at`. Stored when an update replaces that state; never changed.
 * `(note_id, version)` is unique, so two writers can never both archive the same state.
 */
@Entity('note_revisions')
@Index('ux_note_revisions_note_version', ['workspaceId', 'noteId', 'version'], { unique: true })
@ForeignKey('NoteEntity', ['workspaceId', 'noteId'], ['workspaceId', 'id'], {
  name: 'fk_note_revisions_note',
  onDelete: 'CASCADE',
})
export class NoteRevisionEntity extends BaseEntity {
  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'note_id', type: 'uuid' })
  noteId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: NOTE_TITLE_MAX_LENGTH })
  title: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'text', array: true })
  tags: string[];

  /** Null when a system actor (an inbound connector) wrote that state. */
  @Column({ name: 'author_id', type: 'uuid', nullable: true })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  authorId: string | null;

  @Column({ name: 'authored_at', type: 'timestamptz' })
  authoredAt: Date;
}

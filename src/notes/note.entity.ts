import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../database/base.entity.js';
import { NOTE_BODY_MAX_BYTES, NOTE_MAX_TAGS, NOTE_TITLE_MAX_LENGTH } from './notes.constants.js';

/**
 * A markdown note. Title, body and tags are stored exactly as accepted (tags normalised by the
 * API); `search_vector` is maintained by the `tg_notes_search_vector` trigger (see the
 * migration) from title (weight A) and body (weight B) with the text-search configuration in
 * `search_config`, which is the workspace's setting at the time of the last write.
 */
@Entity('notes')
// Target of the composite foreign keys of revisions and links: (workspace_id, note_id) keeps
// a child in its note's workspace, and their cascades find children by an index that leads
// with workspace_id.
@Index('ux_notes_workspace_id', ['workspaceId', 'id'], { unique: true })
// Lists: pinned first, then most recently updated, for archived = false (or true): one
// backward range scan, keyset pagination included.
@Index('ix_notes_workspace_list', ['workspaceId', 'archived', 'pinned', 'updatedAt', 'id'])
@Index('ix_notes_tags', ['tags'], { type: 'gin' })
@Index('ix_notes_search', ['searchVector'], { type: 'gin' })
@Check('ck_notes_title_length', `char_length(title) BETWEEN 1 AND ${NOTE_TITLE_MAX_LENGTH}`)
@Check('ck_notes_body_size', `octet_length(body) <= ${NOTE_BODY_MAX_BYTES}`)
@Check('ck_notes_tags_count', `cardinality(tags) <= ${NOTE_MAX_TAGS}`)
export class NoteEntity extends VersionedEntity {
  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'varchar', length: NOTE_TITLE_MAX_LENGTH })
  title: string;

  @Column({ type: 'text', default: '' })
  body: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  tags: string[];

  @Column({ type: 'boolean', default: false })
  pinned: boolean;

  @Column({ type: 'boolean', default: false })
  archived: boolean;

  /** Null when a system actor (an inbound connector) wrote it; its audit event names which. */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  createdBy: string | null;

  /** Who wrote the current title, body and tags (or pinned, archived): the revision author. */
  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  updatedBy: string | null;

  /** The regconfig `search_vector` was computed with. */
  @Column({ name: 'search_config', type: 'varchar', length: 64 })
  searchConfig: string;

  @Column({
    name: 'search_vector',
    type: 'tsvector',
    select: false,
    insert: false,
    update: false,
  })
  searchVector?: string;
}

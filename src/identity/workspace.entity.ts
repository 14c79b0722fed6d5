import { Column, Entity, ForeignKey } from 'typeorm';
import { VersionedEntity } from '../database/base.entity.js';

export const DEFAULT_SEARCH_LANGUAGE = 'simple';
export const DEFAULT_TIME_ZONE = 'UTC';

@Entity('workspaces')
export class WorkspaceEntity extends VersionedEntity {
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'created_by', type: 'uuid' })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  createdBy: string;

  /** PostgreSQL text-search configuration used for this workspace's full-text search. */
  @Column({
    name: 'search_language',
    type: 'varchar',
    length: 64,
    default: DEFAULT_SEARCH_LANGUAGE,
  })
  searchLanguage: string;

  /** IANA zone that reminders of this workspace default to. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: DEFAULT_TIME_ZONE })
  timeZone: string;

  /**
   * Deleting a workspace hides it (and all it holds) for good but keeps its rows, because its
   * audit events are append-only and must stay verifiable.
   */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}

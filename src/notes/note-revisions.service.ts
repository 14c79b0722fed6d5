import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CursorCodec,
  paginate,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import type { NoteResponseDto } from './dto/note.dto.js';
import type { NoteRevisionResponseDto, NoteRevisionSummaryDto } from './dto/revision.dto.js';
import { NoteRevisionEntity } from './note-revision.entity.js';
import { REVISION_NOT_FOUND } from './notes.errors.js';
import { toNoteResponse, toRevisionResponse, toRevisionSummary } from './notes.mappers.js';
import { contentOf, NotesService } from './notes.service.js';

/** Newest first; `(workspace_id, note_id, version)` is the unique index that serves it. */
const REVISION_KEYS: KeysetKey<NoteRevisionEntity>[] = [
  { column: 'r.version', direction: 'DESC', value: (r) => r.version },
];

/** Past states of a note: list, read, restore. */
@Injectable()
export class NoteRevisionsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly notes: NotesService,
    private readonly cursors: CursorCodec,
  ) {}

  async list(
    principal: Principal,
    noteId: string,
    page: PageRequest,
  ): Promise<Page<NoteRevisionSummaryDto>> {
    const note = await this.notes.load(this.tx.manager, principal, noteId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(NoteRevisionEntity, 'r')
      // Everything but the body, which may be 1 MiB per revision.
      .select([
        'r.id',
        'r.noteId',
        'r.version',
        'r.title',
        'r.tags',
        'r.authorId',
        'r.authoredAt',
        'r.createdAt',
      ])
      .where('r.workspace_id = :workspaceId AND r.note_id = :noteId', {
        workspaceId: note.workspaceId,
        noteId,
      });
    return paginate(qb, page, REVISION_KEYS, this.cursors, toRevisionSummary);
  }

  async get(
    principal: Principal,
    noteId: string,
    revisionId: string,
  ): Promise<NoteRevisionResponseDto> {
    const note = await this.notes.load(this.tx.manager, principal, noteId, 'viewer');
    return toRevisionResponse(
      await this.find(this.tx.manager, note.workspaceId, noteId, revisionId),
    );
  }

  /**
   * Makes the revision's title, body and tags current again. The state it replaces becomes a
   * revision in turn, so a restore can itself be undone. Restoring what is already current
   * changes nothing (no revision, no event).
   */
  async restore(
    principal: Principal,
    noteId: string,
    revisionId: string,
    ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.tx.run(async (em) => {
      const before = await this.notes.load(em, principal, noteId, 'member');
      const revision = await this.find(em, before.workspaceId, noteId, revisionId);
      const next = {
        ...contentOf(before),
        title: revision.title,
        body: revision.body,
        tags: revision.tags,
      };
      const after = await this.notes.applyChange(em, principal, before, next, ifMatch, revision);
      return toNoteResponse(after);
    });
  }

  private async find(
    em: EntityManager,
    workspaceId: string,
    noteId: string,
    revisionId: string,
  ): Promise<NoteRevisionEntity> {
    const revision = await em.findOneBy(NoteRevisionEntity, {
      id: revisionId,
      workspaceId,
      noteId,
    });
    if (!revision) throw CommonProblems.notFound(REVISION_NOT_FOUND);
    return revision;
  }
}

import { Injectable } from '@nestjs/common';
import type { Page, PageRequest } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Actor } from '../kernel/actor.js';
import { defineKeyset } from '../kernel/keyset.js';
import type { WorkspaceScope } from '../kernel/unit-of-work.js';
import type { NoteResponseDto } from './dto/note.dto.js';
import type { NoteRevisionResponseDto, NoteRevisionSummaryDto } from './dto/revision.dto.js';
import { NoteRevisionEntity } from './note-revision.entity.js';
import { REVISION_NOT_FOUND } from './notes.errors.js';
import {
  toNoteResponse,
  toRevisionResponse,
  toRevisionSummary,
  type RevisionSummaryRow,
} from './notes.mappers.js';
import { contentOf, NotesService } from './notes.service.js';

/** Everything but the body, which may be 1 MiB per revision. */
const SUMMARY_COLUMNS = `r.id, r.note_id AS "noteId", r.version, r.title, r.tags,
  r.author_id AS "authorId", r.authored_at AS "authoredAt", r.created_at AS "createdAt"`;

/** Newest first; `(workspace_id, note_id, version)` is the unique index that serves it. */
const RevisionList = defineKeyset<RevisionSummaryRow>('notes.revisions', [
  { column: 'r.version', direction: 'DESC', value: (r) => r.version, type: 'int' },
]);

/** Past states of a note: list, read, restore. */
@Injectable()
export class NoteRevisionsService {
  constructor(private readonly notes: NotesService) {}

  list(actor: Actor, noteId: string, page: PageRequest): Promise<Page<NoteRevisionSummaryDto>> {
    return this.notes.withNote(actor, noteId, 'viewer', (s) =>
      RevisionList.fetch(
        s,
        {
          select: `SELECT ${SUMMARY_COLUMNS} FROM note_revisions r`,
          where: 'r.workspace_id = $1 AND r.note_id = $2',
          params: [s.workspaceId, noteId],
          ...page,
        },
        toRevisionSummary,
      ),
    );
  }

  get(actor: Actor, noteId: string, revisionId: string): Promise<NoteRevisionResponseDto> {
    return this.notes.withNote(actor, noteId, 'viewer', async (s) =>
      toRevisionResponse(await this.find(s, noteId, revisionId)),
    );
  }

  /**
   * Makes the revision's title, body and tags current again. The state it replaces becomes a
   * revision in turn, so a restore can itself be undone. Restoring what is already current
   * changes nothing (no revision, no event).
   */
  restore(
    actor: Actor,
    noteId: string,
    revisionId: string,
    ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.notes.withNote(actor, noteId, 'member', async (s, before) => {
      const revision = await this.find(s, noteId, revisionId);
      const next = {
        ...contentOf(before),
        title: revision.title,
        body: revision.body,
        tags: revision.tags,
      };
      return toNoteResponse(await this.notes.applyChange(s, before, next, ifMatch, revision));
    });
  }

  private async find(
    s: WorkspaceScope,
    noteId: string,
    revisionId: string,
  ): Promise<NoteRevisionEntity> {
    const revision = await s.em.findOneBy(NoteRevisionEntity, {
      id: revisionId,
      workspaceId: s.workspaceId,
      noteId,
    });
    if (!revision) throw CommonProblems.notFound(REVISION_NOT_FOUND);
    return revision;
  }
}

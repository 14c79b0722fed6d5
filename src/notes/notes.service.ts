import { Injectable } from '@nestjs/common';
import { diffChanges, type Changes } from '../audit/changes.js';
import type { Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import type { Actor } from '../kernel/actor.js';
import type { EventType } from '../kernel/events.js';
import type { Role } from '../kernel/roles.js';
import { defineTenantTable } from '../kernel/tenancy.js';
import { WorkspaceUnitOfWork, type WorkspaceScope } from '../kernel/unit-of-work.js';
import { WorkspaceDirectory } from '../kernel/workspace-directory.js';
import type {
  CreateNoteDto,
  ListNotesQueryDto,
  NoteResponseDto,
  NoteSummaryDto,
  UpdateNoteDto,
} from './dto/note.dto.js';
import { auditSnapshot, NOTE_AUDIT_FIELDS, type NoteContent } from './note-audit.js';
import { NoteRevisionEntity } from './note-revision.entity.js';
import { NoteEntity } from './note.entity.js';
import { NOTE_NOT_FOUND } from './notes.errors.js';
import { NoteEvents } from './notes.events.js';
import { toNoteResponse, toNoteSummary } from './notes.mappers.js';
import { NotesQueries, type NoteFilters } from './notes.queries.js';
import { isEmptySearch, parseSearchQuery } from './search-query.js';

/** Notes are tenant-owned: a note of another workspace is "not found", like a missing one. */
export const Notes = defineTenantTable({ table: 'notes', notFound: NOTE_NOT_FOUND });

/** Fields whose change makes the previous state a revision. */
const REVISED_FIELDS = ['title', 'body', 'tags'] as const;

const EMPTY_PAGE: Page<never> = { data: [], nextCursor: null };

export const contentOf = (n: NoteContent): NoteContent => ({
  title: n.title,
  body: n.body,
  tags: n.tags,
  pinned: n.pinned,
  archived: n.archived,
});

@Injectable()
export class NotesService {
  constructor(
    private readonly uow: WorkspaceUnitOfWork,
    private readonly directory: WorkspaceDirectory,
    private readonly queries: NotesQueries,
  ) {}

  create(actor: Actor, workspaceId: string, dto: CreateNoteDto): Promise<NoteResponseDto> {
    return this.uow.write(actor, { workspaceId }, 'member', async (s) => {
      const id = newId();
      // A system actor (an inbound connector) writes on behalf of nobody: no user author; the
      // audit event names the actor.
      const userId = s.userId;
      await s.em.insert(NoteEntity, {
        id,
        workspaceId: s.workspaceId,
        title: dto.title,
        body: dto.body ?? '',
        tags: dto.tags ?? [],
        pinned: dto.pinned ?? false,
        archived: false,
        createdBy: userId,
        updatedBy: userId,
        searchConfig: await this.directory.searchLanguage(s.workspaceId),
      });
      const note = await s.em.findOneByOrFail(NoteEntity, { id });
      s.record(NoteEvents.created, id, diffChanges(null, auditSnapshot(note), NOTE_AUDIT_FIELDS));
      return toNoteResponse(note);
    });
  }

  /** A page of the workspace's notes: in list order, or ranked search results when `q` is set. */
  list(actor: Actor, workspaceId: string, query: ListNotesQueryDto): Promise<Page<NoteSummaryDto>> {
    return this.uow.read(actor, { workspaceId }, 'viewer', async (s) => {
      const filters: NoteFilters = {
        archived: query.archived ?? false,
        pinned: query.pinned,
        tags: query.tag,
        updatedAfter: query.updatedAfter ? new Date(query.updatedAfter) : undefined,
      };
      const page = { limit: query.limit, cursor: query.cursor };
      if (query.q === undefined || query.q.trim() === '') {
        const result = await this.queries.listPage(s, filters, page);
        return { data: result.data.map(toNoteSummary), nextCursor: result.nextCursor };
      }
      // Input with nothing searchable in it (punctuation, stop words only) finds nothing.
      const search = parseSearchQuery(query.q);
      if (isEmptySearch(search)) return EMPTY_PAGE;
      const config = await this.directory.searchLanguage(s.workspaceId);
      const tsquery = await this.queries.compileSearch(s, config, search);
      if (tsquery === null) return EMPTY_PAGE;
      const result = await this.queries.searchPage(s, config, tsquery, filters, page);
      return { data: result.data.map(toNoteSummary), nextCursor: result.nextCursor };
    });
  }

  get(actor: Actor, noteId: string): Promise<NoteResponseDto> {
    return this.uow.read(actor, Notes.ref(noteId), 'viewer', async (s) =>
      toNoteResponse(await this.load(s, noteId)),
    );
  }

  update(
    actor: Actor,
    noteId: string,
    dto: UpdateNoteDto,
    ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.uow.write(actor, Notes.ref(noteId), 'member', async (s) => {
      const before = await this.load(s, noteId);
      const next: NoteContent = {
        title: dto.title ?? before.title,
        body: dto.body ?? before.body,
        tags: dto.tags ?? before.tags,
        pinned: dto.pinned ?? before.pinned,
        archived: dto.archived ?? before.archived,
      };
      return toNoteResponse(await this.applyChange(s, before, next, ifMatch));
    });
  }

  async remove(actor: Actor, noteId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Notes.ref(noteId), 'member', async (s) => {
      const before = await this.load(s, noteId);
      // Revisions and links cascade.
      await deleteVersioned(s.em, NoteEntity, noteId, before.version, ifMatch);
      s.record(
        NoteEvents.deleted,
        noteId,
        diffChanges(auditSnapshot(before), null, NOTE_AUDIT_FIELDS),
      );
    });
  }

  /** Work on one note with at least `role` in its workspace (another tenant's note: 404). */
  withNote<T>(
    actor: Actor,
    noteId: string,
    role: Role,
    work: (s: WorkspaceScope, note: NoteEntity) => Promise<T>,
  ): Promise<T> {
    const withLoaded = async (s: WorkspaceScope): Promise<T> => work(s, await this.load(s, noteId));
    return role === 'viewer'
      ? this.uow.read(actor, Notes.ref(noteId), role, withLoaded)
      : this.uow.write(actor, Notes.ref(noteId), role, withLoaded);
  }

  /** The note in the scope's workspace (gone since the tenancy check: 404 all the same). */
  async load(s: WorkspaceScope, noteId: string): Promise<NoteEntity> {
    const note = await s.em.findOneBy(NoteEntity, { id: noteId, workspaceId: s.workspaceId });
    if (!note) throw CommonProblems.notFound(NOTE_NOT_FOUND);
    return note;
  }

  /**
   * Writes `next` over `before` inside the scope's transaction: nothing when nothing changes
   * (If-Match still checked); otherwise a conditional update (412/409 when another writer got
   * there first), the previous state kept as a revision when title, body or tags change, and
   * one event with the changed fields (the body as digests).
   */
  async applyChange(
    s: WorkspaceScope,
    before: NoteEntity,
    next: NoteContent,
    ifMatch: number | undefined,
    restored?: NoteRevisionEntity,
  ): Promise<NoteEntity> {
    const changes: Changes = diffChanges(
      auditSnapshot(before),
      auditSnapshot(next),
      NOTE_AUDIT_FIELDS,
    );
    if (Object.keys(changes).length === 0) {
      checkIfMatch(before.version, ifMatch);
      return before;
    }
    const revised = REVISED_FIELDS.some((f) => f in changes);
    const values: Record<string, unknown> = { updatedBy: s.userId };
    for (const field of Object.keys(changes)) values[field] = next[field as keyof NoteContent];
    // Re-indexed with the workspace's current language whenever the text changes.
    if (revised) values.searchConfig = await this.directory.searchLanguage(s.workspaceId);
    await updateVersioned(s.em, NoteEntity, before.id, before.version, ifMatch, values);
    // After the conditional update: a concurrent writer of the same version is refused above,
    // so each version is archived once (and ux_note_revisions_note_version makes sure).
    if (revised) {
      await s.em.insert(NoteRevisionEntity, {
        id: newId(),
        workspaceId: s.workspaceId,
        noteId: before.id,
        version: before.version,
        title: before.title,
        body: before.body,
        tags: before.tags,
        authorId: before.updatedBy,
        authoredAt: before.updatedAt,
      });
    }
    s.record(
      restored ? NoteEvents.revisionRestored : eventOf(changes),
      before.id,
      restored
        ? {
            ...changes,
            restoredRevision: {
              from: null,
              to: { id: restored.id, noteVersion: restored.version },
            },
          }
        : changes,
    );
    return s.em.findOneByOrFail(NoteEntity, { id: before.id });
  }
}

function eventOf(changes: Changes): EventType {
  if (changes.archived) return changes.archived.to ? NoteEvents.archived : NoteEvents.restored;
  return NoteEvents.updated;
}

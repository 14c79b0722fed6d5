import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges, type Changes } from '../audit/changes.js';
import { principalUserId } from '../common/auth.decorators.js';
import type { Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import type { Role } from '../identity/membership.entity.js';
import { WorkspaceAccess } from '../identity/workspace-access.service.js';
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
import { toNoteResponse, toNoteSummary } from './notes.mappers.js';
import { NotesQueries, type NoteFilters } from './notes.queries.js';
import { isEmptySearch, parseSearchQuery } from './search-query.js';

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
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
    private readonly queries: NotesQueries,
  ) {}

  async create(
    principal: Principal,
    workspaceId: string,
    dto: CreateNoteDto,
  ): Promise<NoteResponseDto> {
    const userId = principalUserId(principal);
    return this.tx.run(async (em) => {
      await this.access.require(principal, workspaceId, 'member');
      const id = newId();
      await em.insert(NoteEntity, {
        id,
        workspaceId,
        title: dto.title,
        body: dto.body ?? '',
        tags: dto.tags ?? [],
        pinned: dto.pinned ?? false,
        archived: false,
        createdBy: userId,
        updatedBy: userId,
        searchConfig: await this.access.searchLanguage(workspaceId),
      });
      const note = await em.findOneByOrFail(NoteEntity, { id });
      await this.audit.record(em, {
        workspaceId,
        action: 'note.created',
        entityType: 'note',
        entityId: id,
        changes: diffChanges(null, auditSnapshot(note), NOTE_AUDIT_FIELDS),
      });
      return toNoteResponse(note);
    });
  }

  /** A page of the workspace's notes: in list order, or ranked search results when `q` is set. */
  async list(
    principal: Principal,
    workspaceId: string,
    query: ListNotesQueryDto,
  ): Promise<Page<NoteSummaryDto>> {
    await this.access.require(principal, workspaceId, 'viewer');
    const filters: NoteFilters = {
      archived: query.archived ?? false,
      pinned: query.pinned,
      tags: query.tag,
      updatedAfter: query.updatedAfter ? new Date(query.updatedAfter) : undefined,
    };
    const page = { limit: query.limit, cursor: query.cursor };
    if (query.q === undefined || query.q.trim() === '') {
      const result = await this.queries.listPage(workspaceId, filters, page);
      return { data: result.data.map(toNoteSummary), nextCursor: result.nextCursor };
    }
    // Input with nothing searchable in it (punctuation, stop words only) finds nothing.
    const search = parseSearchQuery(query.q);
    if (isEmptySearch(search)) return EMPTY_PAGE;
    const config = await this.access.searchLanguage(workspaceId);
    const tsquery = await this.queries.compileSearch(config, search);
    if (tsquery === null) return EMPTY_PAGE;
    const result = await this.queries.searchPage(workspaceId, config, tsquery, filters, page);
    return { data: result.data.map(toNoteSummary), nextCursor: result.nextCursor };
  }

  async get(principal: Principal, noteId: string): Promise<NoteResponseDto> {
    return toNoteResponse(await this.load(this.tx.manager, principal, noteId, 'viewer'));
  }

  async update(
    principal: Principal,
    noteId: string,
    dto: UpdateNoteDto,
    ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.tx.run(async (em) => {
      const before = await this.load(em, principal, noteId, 'member');
      const next: NoteContent = {
        title: dto.title ?? before.title,
        body: dto.body ?? before.body,
        tags: dto.tags ?? before.tags,
        pinned: dto.pinned ?? before.pinned,
        archived: dto.archived ?? before.archived,
      };
      return toNoteResponse(await this.applyChange(em, principal, before, next, ifMatch));
    });
  }

  async remove(principal: Principal, noteId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      const before = await this.load(em, principal, noteId, 'member');
      // Revisions and links cascade.
      await deleteVersioned(em, NoteEntity, noteId, before.version, ifMatch);
      await this.audit.record(em, {
        workspaceId: before.workspaceId,
        action: 'note.deleted',
        entityType: 'note',
        entityId: noteId,
        changes: diffChanges(auditSnapshot(before), null, NOTE_AUDIT_FIELDS),
      });
    });
  }

  /**
   * Loads a note for `principal` with at least `role` in its workspace. A missing note and a
   * note of a workspace the caller is not in are the same 404.
   */
  async load(
    em: EntityManager,
    principal: Principal,
    noteId: string,
    role: Role,
  ): Promise<NoteEntity> {
    const note = await em.findOneBy(NoteEntity, { id: noteId });
    if (!note) throw CommonProblems.notFound(NOTE_NOT_FOUND);
    await this.access.require(principal, note.workspaceId, role, NOTE_NOT_FOUND);
    return note;
  }

  /**
   * Writes `next` over `before` inside the caller's transaction: nothing when nothing changes
   * (If-Match still checked); otherwise a conditional update (412/409 when another writer got
   * there first), the previous state kept as a revision when title, body or tags change, and
   * one audit event with the changed fields (the body as digests).
   */
  async applyChange(
    em: EntityManager,
    principal: Principal,
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
    const values: Record<string, unknown> = { updatedBy: principalUserId(principal) };
    for (const field of Object.keys(changes)) values[field] = next[field as keyof NoteContent];
    // Re-indexed with the workspace's current language whenever the text changes.
    if (revised) values.searchConfig = await this.access.searchLanguage(before.workspaceId);
    await updateVersioned(em, NoteEntity, before.id, before.version, ifMatch, values);
    // After the conditional update: a concurrent writer of the same version is refused above,
    // so each version is archived once (and ux_note_revisions_note_version makes sure).
    if (revised) {
      await em.insert(NoteRevisionEntity, {
        id: newId(),
        workspaceId: before.workspaceId,
        noteId: before.id,
        version: before.version,
        title: before.title,
        body: before.body,
        tags: before.tags,
        authorId: before.updatedBy,
        authoredAt: before.updatedAt,
      });
    }
    await this.audit.record(em, {
      workspaceId: before.workspaceId,
      action: restored ? 'note.revision_restored' : actionOf(changes),
      entityType: 'note',
      entityId: before.id,
      changes: restored
        ? {
            ...changes,
            restoredRevision: {
              from: null,
              to: { id: restored.id, noteVersion: restored.version },
            },
          }
        : changes,
    });
    return em.findOneByOrFail(NoteEntity, { id: before.id });
  }
}

function actionOf(changes: Changes): string {
  if (changes.archived) return changes.archived.to ? 'note.archived' : 'note.restored';
  return 'note.updated';
}

import type { NoteResponseDto, NoteSummaryDto } from './dto/note.dto.js';
import type { NoteRevisionResponseDto, NoteRevisionSummaryDto } from './dto/revision.dto.js';
import type { NoteRevisionEntity } from './note-revision.entity.js';
import type { NoteEntity } from './note.entity.js';
import type { NoteListRow } from './notes.queries.js';
import { renderSnippet } from './snippet.js';

export const toNoteResponse = (n: NoteEntity): NoteResponseDto => ({
  id: n.id,
  workspaceId: n.workspaceId,
  title: n.title,
  body: n.body,
  tags: n.tags,
  pinned: n.pinned,
  archived: n.archived,
  version: n.version,
  createdBy: n.createdBy,
  updatedBy: n.updatedBy,
  createdAt: n.createdAt.toISOString(),
  updatedAt: n.updatedAt.toISOString(),
});

export const toNoteSummary = (r: NoteListRow): NoteSummaryDto => ({
  id: r.id,
  workspaceId: r.workspaceId,
  title: r.title,
  excerpt: r.excerpt,
  tags: r.tags,
  pinned: r.pinned,
  archived: r.archived,
  version: r.version,
  createdBy: r.createdBy,
  updatedBy: r.updatedBy,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
  ...(r.rank !== undefined ? { rank: r.rank } : {}),
  ...(r.snippet !== undefined ? { snippet: renderSnippet(r.snippet) } : {}),
});

/** A revision without its body (lists). */
export type RevisionSummaryRow = Pick<
  NoteRevisionEntity,
  'id' | 'noteId' | 'version' | 'title' | 'tags' | 'authorId' | 'authoredAt' | 'createdAt'
>;

export const toRevisionSummary = (r: RevisionSummaryRow): NoteRevisionSummaryDto => ({
  id: r.id,
  noteId: r.noteId,
  noteVersion: r.version,
  title: r.title,
  tags: r.tags,
  authorId: r.authorId,
  authoredAt: new Date(r.authoredAt).toISOString(),
  createdAt: new Date(r.createdAt).toISOString(),
});

export const toRevisionResponse = (r: NoteRevisionEntity): NoteRevisionResponseDto => ({
  ...toRevisionSummary(r),
  body: r.body,
});

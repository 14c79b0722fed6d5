import { Injectable } from '@nestjs/common';
import type { Page, PageRequest } from '../common/pagination.js';
import { defineKeyset } from '../kernel/keyset.js';
import type { WorkspaceScope } from '../kernel/unit-of-work.js';
import { NOTE_EXCERPT_LENGTH, SNIPPET_SOURCE_CHARS } from './notes.constants.js';
import type { ParsedSearch } from './search-query.js';
import { HIGHLIGHT_END, HIGHLIGHT_START } from './snippet.js';

/** A row of a note list or search page (no body: an excerpt, and a snippet when searching). */
export interface NoteListRow {
  id: string;
  workspaceId: string;
  title: string;
  excerpt: string;
  tags: string[];
  pinned: boolean;
  archived: boolean;
  version: number;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** updated_at with its microseconds, for the cursor (a JS Date keeps milliseconds only). */
  updatedAtKey: string;
  rank?: number;
  snippet?: string;
}

/** A note linked to a card, with the link's id (its keyset) and when and by whom. */
export interface LinkedNoteRow extends NoteListRow {
  linkId: string;
  linkedBy: string;
  linkedAt: Date;
}

export interface NoteFilters {
  archived: boolean;
  pinned?: boolean;
  /** All of these (normalised). */
  tags?: string[];
  updatedAfter?: Date;
}

const SUMMARY_COLUMNS = `n.id, n.workspace_id AS "workspaceId", n.title, n.tags, n.pinned, n.archived,
  n.version, n.created_by AS "createdBy", n.updated_by AS "updatedBy",
  n.created_at AS "createdAt", n.updated_at AS "updatedAt",
  to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "updatedAtKey"`;

/** Pinned first, then most recently updated; all descending, so one backward index scan. */
const NoteList = defineKeyset<NoteListRow>('notes.list', [
  { column: 'n.pinned', direction: 'DESC', value: (r) => r.pinned, type: 'boolean' },
  { column: 'n.updated_at', direction: 'DESC', value: (r) => r.updatedAtKey, type: 'timestamptz' },
  { column: 'n.id', direction: 'DESC', value: (r) => r.id, type: 'uuid' },
]);

/** The compiled tsquery is always the second parameter of a search statement. */
const QUERY_PARAM = '$2::tsquery';

/**
 * Cover density: weights (title A = 1.0, body B = 0.4) and how close together the matched words
 * are, so a title match outranks a body match and adjacent words outrank scattered ones. The
 * keyset continues after the last row's (rank, id): the rank is recomputed for the same query,
 * so the order is the same from page to page.
 */
const RANK_SQL = `ts_rank_cd(n.search_vector, ${QUERY_PARAM})`;
const NoteSearch = defineKeyset<NoteListRow>('notes.search', [
  { column: RANK_SQL, direction: 'DESC', value: (r) => r.rank ?? 0, type: 'real' },
  { column: 'n.id', direction: 'DESC', value: (r) => r.id, type: 'uuid' },
]);

const CardNotes = defineKeyset<LinkedNoteRow>('notes.of_card', [
  { column: 'l.id', direction: 'DESC', value: (r) => r.linkId, type: 'uuid' },
]);

/**
 * A prefix term: the word goes through to_tsvector as a bound parameter (never parsed as
 * tsquery syntax); each lexeme it yields is then quoted as tsquery input requires (quotes and
 * backslashes doubled) and marked `:*`. No lexeme (a stop word): an empty query, which `&&`
 * ignores.
 */
const prefixSql = (config: string, param: string): string =>
  `(SELECT CAST(coalesce(string_agg('''' || replace(replace(t.lexeme, '\\', '\\\\'), '''', '''''') || ''':*', ' & '), '') AS tsquery)
     FROM unnest(to_tsvector(${config}, ${param})) AS t)`;

const HEADLINE_OPTIONS = [
  `StartSel=${HIGHLIGHT_START}`,
  `StopSel=${HIGHLIGHT_END}`,
  'MaxWords=35',
  'MinWords=15',
  'ShortWord=3',
].join(', ');

/** Positional parameters: `bind(value)` pushes a value and answers its placeholder. */
const binder =
  (params: unknown[]) =>
  (value: unknown, cast?: string): string =>
    `$${params.push(value)}${cast ? `::${cast}` : ''}`;

/**
 * The notes module's SQL: note lists, search pages and tsquery compilation (EXPLAINed in the
 * README). Every statement takes the workspace scope and filters by its workspace.
 */
@Injectable()
export class NotesQueries {
  /** One keyset page of a workspace's notes in list order. */
  async listPage(
    s: WorkspaceScope,
    filters: NoteFilters,
    page: PageRequest,
  ): Promise<Page<NoteListRow>> {
    const limit = NoteList.limit(page.limit);
    const params: unknown[] = [s.workspaceId];
    const where = filterSql(params, filters);
    where.push(NoteList.after(page.cursor, params));
    const bind = binder(params);
    const rows = await s.query<NoteListRow>(
      `SELECT ${SUMMARY_COLUMNS}, left(n.body, ${bind(NOTE_EXCERPT_LENGTH, 'int')}) AS excerpt
         FROM notes n
        WHERE ${where.join(' AND ')}
        ORDER BY ${NoteList.orderBy}
        LIMIT ${limit + 1}`,
      params,
    );
    return NoteList.page(rows, limit, (r) => r);
  }

  /**
   * The tsquery for a parsed search, compiled by PostgreSQL from bound parameters: plain words
   * through plainto_tsquery, each phrase through phraseto_tsquery, each prefix as above, all
   * ANDed. Returns its text form, or null when nothing searchable is left (stop words only).
   */
  async compileSearch(
    s: WorkspaceScope,
    config: string,
    search: ParsedSearch,
  ): Promise<string | null> {
    const params: unknown[] = [config];
    const bind = binder(params);
    const cfg = '$1::regconfig';
    const parts: string[] = [];
    if (search.words.length > 0) {
      parts.push(`plainto_tsquery(${cfg}, ${bind(search.words.join(' '), 'text')})`);
    }
    for (const phrase of search.phrases) {
      parts.push(`phraseto_tsquery(${cfg}, ${bind(phrase, 'text')})`);
    }
    for (const prefix of search.prefixes) parts.push(prefixSql(cfg, bind(prefix, 'text')));
    if (parts.length === 0) return null;
    const [row] = await s.query<{ query: string; nodes: number }>(
      `SELECT q::text AS query, numnode(q) AS nodes FROM (SELECT ${parts.join(' && ')} AS q) s`,
      params,
    );
    return row && row.nodes > 0 ? row.query : null;
  }

  /**
   * One keyset page of search results, best first, with a highlighted snippet for the page's
   * rows only (ts_headline re-reads the text, so it runs after the LIMIT).
   */
  async searchPage(
    s: WorkspaceScope,
    config: string,
    query: string,
    filters: NoteFilters,
    page: PageRequest,
  ): Promise<Page<NoteListRow>> {
    const limit = NoteSearch.limit(page.limit);
    const params: unknown[] = [s.workspaceId, query];
    const where = filterSql(params, filters);
    where.push(`n.search_vector @@ ${QUERY_PARAM}`);
    where.push(NoteSearch.after(page.cursor, params));
    const bind = binder(params);
    const excerpt = bind(NOTE_EXCERPT_LENGTH, 'int');
    const config$ = bind(config, 'regconfig');
    const source = bind(SNIPPET_SOURCE_CHARS, 'int');
    const sentinels = bind(HIGHLIGHT_START + HIGHLIGHT_END, 'text');
    const options = bind(HEADLINE_OPTIONS, 'text');
    const rows = await s.query<NoteListRow>(
      `SELECT page.*, left(n.body, ${excerpt}) AS excerpt,
              ts_headline(${config$}, translate(left(n.body, ${source}), ${sentinels}, ''),
                          ${QUERY_PARAM}, ${options}) AS snippet
         FROM (SELECT ${SUMMARY_COLUMNS}, ${RANK_SQL} AS rank
                 FROM notes n
                WHERE ${where.join(' AND ')}
                ORDER BY ${NoteSearch.orderBy}
                LIMIT ${limit + 1}) page
         JOIN notes n ON n.id = page.id
        ORDER BY page.rank DESC, page.id DESC`,
      params,
    );
    return NoteSearch.page(rows, limit, (r) => r);
  }

  /** One keyset page of the notes linked to a card, newest link first. */
  async cardNotesPage(
    s: WorkspaceScope,
    boardId: string,
    cardId: string,
    page: PageRequest,
  ): Promise<Page<LinkedNoteRow>> {
    const limit = CardNotes.limit(page.limit);
    const params: unknown[] = [s.workspaceId, boardId, cardId];
    const after = CardNotes.after(page.cursor, params);
    const bind = binder(params);
    const rows = await s.query<LinkedNoteRow>(
      `SELECT ${SUMMARY_COLUMNS}, left(n.body, ${bind(NOTE_EXCERPT_LENGTH, 'int')}) AS excerpt,
              l.id AS "linkId", l.created_by AS "linkedBy", l.created_at AS "linkedAt"
         FROM note_card_links l
         JOIN notes n ON n.id = l.note_id
        WHERE l.workspace_id = $1 AND l.board_id = $2 AND l.card_id = $3 AND ${after}
        ORDER BY ${CardNotes.orderBy}
        LIMIT ${limit + 1}`,
      params,
    );
    return CardNotes.page(rows, limit, (r) => r);
  }
}

/** The filter conditions; `$1` is the workspace. */
function filterSql(params: unknown[], f: NoteFilters): string[] {
  const bind = binder(params);
  const sql = ['n.workspace_id = $1', `n.archived = ${bind(f.archived, 'boolean')}`];
  if (f.pinned !== undefined) sql.push(`n.pinned = ${bind(f.pinned, 'boolean')}`);
  if (f.tags && f.tags.length > 0) sql.push(`n.tags @> ${bind(f.tags, 'text[]')}`);
  if (f.updatedAfter) sql.push(`n.updated_at > ${bind(f.updatedAfter, 'timestamptz')}`);
  return sql;
}

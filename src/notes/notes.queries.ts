import { Injectable } from '@nestjs/common';
import {
  CursorCodec,
  listBinding,
  DEFAULT_PAGE_SIZE,
  keysetWhere,
  toPage,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import { TransactionHost } from '../database/transaction-host.js';
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
  createdBy: string;
  updatedBy: string;
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
const LIST_KEYS: KeysetKey<NoteListRow>[] = [
  { column: 'n.pinned', direction: 'DESC', value: (r) => r.pinned },
  { column: 'n.updated_at', direction: 'DESC', value: (r) => r.updatedAtKey },
  { column: 'n.id', direction: 'DESC', value: (r) => r.id },
];

/**
 * Cover density: weights (title A = 1.0, body B = 0.4) and how close together the matched words
 * are, so a title match outranks a body match and adjacent words outrank scattered ones.
 */
const RANK_SQL = 'ts_rank_cd(n.search_vector, CAST(:query AS tsquery))';
const SEARCH_KEYS: KeysetKey<NoteListRow>[] = [
  { column: RANK_SQL, direction: 'DESC', value: (r) => r.rank ?? 0 },
  { column: 'n.id', direction: 'DESC', value: (r) => r.id },
];

const LINK_KEYS: KeysetKey<LinkedNoteRow>[] = [
  { column: 'l.id', direction: 'DESC', value: (r) => r.linkId },
];

const CONFIG_SQL = 'CAST(:config AS regconfig)';

/**
 * A prefix term: the word goes through to_tsvector as a bound parameter (never parsed as
 * tsquery syntax); each lexeme it yields is then quoted as tsquery input requires (quotes and
 * backslashes doubled) and marked `:*`. No lexeme (a stop word): an empty query, which `&&`
 * ignores.
 */
const prefixSql = (param: string): string =>
  `(SELECT CAST(coalesce(string_agg('''' || replace(replace(t.lexeme, '\\', '\\\\'), '''', '''''') || ''':*', ' & '), '') AS tsquery)
     FROM unnest(to_tsvector(${CONFIG_SQL}, :${param})) AS t)`;

const HEADLINE_OPTIONS = [
  `StartSel=${HIGHLIGHT_START}`,
  `StopSel=${HIGHLIGHT_END}`,
  'MaxWords=35',
  'MinWords=15',
  'ShortWord=3',
].join(', ');

/** The notes module's SQL: note lists, search pages and tsquery compilation (EXPLAINed in the README). */
@Injectable()
export class NotesQueries {
  constructor(
    private readonly tx: TransactionHost,
    private readonly cursors: CursorCodec,
  ) {}

  /** One keyset page of a workspace's notes in list order. */
  async listPage(
    workspaceId: string,
    filters: NoteFilters,
    page: PageRequest,
  ): Promise<Page<NoteListRow>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const where = this.filterSql(workspaceId, filters);
    if (page.cursor) this.addKeyset(where, LIST_KEYS, page.cursor);
    const rows = await this.query<NoteListRow>(
      `SELECT ${SUMMARY_COLUMNS}, left(n.body, :excerptLength) AS excerpt
         FROM notes n
        WHERE ${where.sql.join(' AND ')}
        ORDER BY n.pinned DESC, n.updated_at DESC, n.id DESC
        LIMIT :limit`,
      { ...where.params, excerptLength: NOTE_EXCERPT_LENGTH, limit: limit + 1 },
    );
    return toPage(rows, limit, LIST_KEYS, this.cursors, (r) => r);
  }

  /**
   * The tsquery for a parsed search, compiled by PostgreSQL from bound parameters: plain words
   * through plainto_tsquery, each phrase through phraseto_tsquery, each prefix as above, all
   * ANDed. Returns its text form, or null when nothing searchable is left (stop words only).
   */
  async compileSearch(config: string, search: ParsedSearch): Promise<string | null> {
    const params: Record<string, unknown> = { config };
    const parts: string[] = [];
    if (search.words.length > 0) {
      params.words = search.words.join(' ');
      parts.push(`plainto_tsquery(${CONFIG_SQL}, :words)`);
    }
    search.phrases.forEach((phrase, i) => {
      params[`phrase${i}`] = phrase;
      parts.push(`phraseto_tsquery(${CONFIG_SQL}, :phrase${i})`);
    });
    search.prefixes.forEach((prefix, i) => {
      params[`prefix${i}`] = prefix;
      parts.push(prefixSql(`prefix${i}`));
    });
    if (parts.length === 0) return null;
    const [row] = await this.query<{ query: string; nodes: number }>(
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
    workspaceId: string,
    config: string,
    query: string,
    filters: NoteFilters,
    page: PageRequest,
  ): Promise<Page<NoteListRow>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const where = this.filterSql(workspaceId, filters);
    where.sql.push('n.search_vector @@ CAST(:query AS tsquery)');
    if (page.cursor) this.addKeyset(where, SEARCH_KEYS, page.cursor);
    const rows = await this.query<NoteListRow>(
      `SELECT page.*, left(n.body, :excerptLength) AS excerpt,
              ts_headline(${CONFIG_SQL}, translate(left(n.body, :snippetSource), :sentinels, ''),
                          CAST(:query AS tsquery), :headlineOptions) AS snippet
         FROM (SELECT ${SUMMARY_COLUMNS}, ${RANK_SQL} AS rank
                 FROM notes n
                WHERE ${where.sql.join(' AND ')}
                ORDER BY rank DESC, n.id DESC
                LIMIT :limit) page
         JOIN notes n ON n.id = page.id
        ORDER BY page.rank DESC, page.id DESC`,
      {
        ...where.params,
        config,
        query,
        excerptLength: NOTE_EXCERPT_LENGTH,
        snippetSource: SNIPPET_SOURCE_CHARS,
        sentinels: HIGHLIGHT_START + HIGHLIGHT_END,
        headlineOptions: HEADLINE_OPTIONS,
        limit: limit + 1,
      },
    );
    return toPage(rows, limit, SEARCH_KEYS, this.cursors, (r) => r);
  }

  /** One keyset page of the notes linked to a card, newest link first. */
  async cardNotesPage(
    workspaceId: string,
    boardId: string,
    cardId: string,
    page: PageRequest,
  ): Promise<Page<LinkedNoteRow>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const where = {
      sql: ['l.workspace_id = :workspaceId', 'l.board_id = :boardId', 'l.card_id = :cardId'],
      params: { workspaceId, boardId, cardId } as Record<string, unknown>,
    };
    if (page.cursor) {
      const keyset = keysetWhere(
        LINK_KEYS,
        this.cursors.decode(page.cursor, LINK_KEYS.length, listBinding(LINK_KEYS)),
      );
      where.sql.push(keyset.sql);
      Object.assign(where.params, keyset.params);
    }
    const rows = await this.query<LinkedNoteRow>(
      `SELECT ${SUMMARY_COLUMNS}, left(n.body, :excerptLength) AS excerpt,
              l.id AS "linkId", l.created_by AS "linkedBy", l.created_at AS "linkedAt"
         FROM note_card_links l
         JOIN notes n ON n.id = l.note_id
        WHERE ${where.sql.join(' AND ')}
        ORDER BY l.id DESC
        LIMIT :limit`,
      { ...where.params, excerptLength: NOTE_EXCERPT_LENGTH, limit: limit + 1 },
    );
    return toPage(rows, limit, LINK_KEYS, this.cursors, (r) => r);
  }

  private filterSql(
    workspaceId: string,
    f: NoteFilters,
  ): { sql: string[]; params: Record<string, unknown> } {
    const sql = ['n.workspace_id = :workspaceId', 'n.archived = :archived'];
    const params: Record<string, unknown> = { workspaceId, archived: f.archived };
    if (f.pinned !== undefined) {
      sql.push('n.pinned = :pinned');
      params.pinned = f.pinned;
    }
    if (f.tags && f.tags.length > 0) {
      sql.push('n.tags @> CAST(:tags AS text[])');
      params.tags = f.tags;
    }
    if (f.updatedAfter) {
      sql.push('n.updated_at > :updatedAfter');
      params.updatedAfter = f.updatedAfter;
    }
    return { sql, params };
  }

  private addKeyset(
    where: { sql: string[]; params: Record<string, unknown> },
    keys: KeysetKey<NoteListRow>[],
    cursor: string,
  ): void {
    const keyset = keysetWhere(keys, this.cursors.decode(cursor, keys.length, listBinding(keys)));
    where.sql.push(keyset.sql);
    Object.assign(where.params, keyset.params);
  }

  private query<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const em = this.tx.manager;
    const [text, values] = em.dataSource.driver.escapeQueryWithParameters(sql, params);
    return em.query(text, values) as Promise<T[]>;
  }
}

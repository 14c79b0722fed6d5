import type { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query.js';
import type { Role } from '../identity/membership.entity.js';
import { memberRoleSql } from '../identity/workspace-access.service.js';
import type { ChecklistItem } from './entities/card.entity.js';

/**
 * The board module's non-trivial SQL, in one place (plans checked with EXPLAIN on a board of
 * 100k cards; see the README). Card order inside a column is `position` with collation "C",
 * then `id`; every statement here that orders cards uses the index
 * `ix_cards_column_order (workspace_id, board_id, column_id, position, id)`.
 */

/** A card as the API shows it, read in one statement with its labels and assignees. */
export interface CardRow {
  id: string;
  workspaceId: string;
  boardId: string;
  columnId: string;
  position: string;
  title: string;
  description: string;
  dueAt: Date | null;
  checklist: ChecklistItem[];
  remindBefore: string[];
  archivedAt: Date | null;
  columnEnteredAt: Date;
  doneFirstAt: Date | null;
  doneLastAt: Date | null;
  createdBy: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  labelIds: string[];
  assigneeIds: string[];
}

/** A card of a list page (no description or checklist, their summary instead). */
type Timestamps =
  | 'dueAt'
  | 'archivedAt'
  | 'columnEnteredAt'
  | 'doneFirstAt'
  | 'doneLastAt'
  | 'createdAt'
  | 'updatedAt';

/**
 * A card of a list page (no description or checklist, their summary instead). Its timestamps
 * come formatted by PostgreSQL (ISO 8601, UTC, milliseconds, like `Date#toISOString`): a page
 * then costs no Date parsing and formatting per card.
 */
export interface CardSummaryRow extends Omit<
  CardRow,
  'description' | 'checklist' | 'remindBefore' | Timestamps
> {
  dueAt: string | null;
  archivedAt: string | null;
  columnEnteredAt: string;
  doneFirstAt: string | null;
  doneLastAt: string | null;
  createdAt: string;
  updatedAt: string;
  columnPosition: string;
  hasDescription: boolean;
  checklistTotal: number;
  checklistDone: number;
}

const CARD_SCALARS = `c.id, c.workspace_id AS "workspaceId", c.board_id AS "boardId",
  c.column_id AS "columnId", c.position, c.title, c.due_at AS "dueAt",
  c.remind_before AS "remindBefore", c.archived_at AS "archivedAt", c.column_entered_at AS "columnEnteredAt",
  c.done_first_at AS "doneFirstAt", c.done_last_at AS "doneLastAt", c.created_by AS "createdBy",
  c.version, c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const isoText = (column: string, alias: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

/** CARD_SCALARS with the timestamps as ISO text (see CardSummaryRow). */
const CARD_SCALARS_ISO = `c.id, c.workspace_id AS "workspaceId", c.board_id AS "boardId",
  c.column_id AS "columnId", c.position, c.title, ${isoText('c.due_at', 'dueAt')},
  ${isoText('c.archived_at', 'archivedAt')}, ${isoText('c.column_entered_at', 'columnEnteredAt')},
  ${isoText('c.done_first_at', 'doneFirstAt')}, ${isoText('c.done_last_at', 'doneLastAt')},
  c.created_by AS "createdBy", c.version, ${isoText('c.created_at', 'createdAt')},
  ${isoText('c.updated_at', 'updatedAt')}`;

/** Labels and assignees of one card, by primary-key range scans (sorted, as text). */
const cardSets = (ws: string, board: string, card: string): string => `
  ARRAY(SELECT cl.label_id::text FROM card_labels cl
         WHERE cl.workspace_id = ${ws} AND cl.board_id = ${board} AND cl.card_id = ${card}
         ORDER BY cl.label_id) AS "labelIds",
  ARRAY(SELECT ca.user_id::text FROM card_assignees ca
         WHERE ca.workspace_id = ${ws} AND ca.board_id = ${board} AND ca.card_id = ${card}
         ORDER BY ca.user_id) AS "assigneeIds"`;

/** One card by id (any workspace: the caller checks access on `workspaceId`). */
export async function findCard(em: EntityManager, id: string): Promise<CardRow | undefined> {
  const [row] = (await em.query(
    `SELECT ${CARD_SCALARS}, c.description, c.checklist,
      ${cardSets('c.workspace_id', 'c.board_id', 'c.id')}
       FROM cards c WHERE c.id = $1`,
    [id],
  )) as CardRow[];
  return row;
}

/**
 * `findCard` with, in the same statement, the caller's role in the card's workspace (see
 * `memberRoleSql`) and its board's `archived_at`: one round trip for "load and check access".
 */
export async function findCardWithAccess(
  em: EntityManager,
  id: string,
  userId: string | null,
): Promise<{ card: CardRow; memberRole: Role | null; boardArchivedAt: Date | null } | undefined> {
  const [row] = (await em.query(
    `SELECT ${CARD_SCALARS}, c.description, c.checklist,
      ${cardSets('c.workspace_id', 'c.board_id', 'c.id')},
      ${memberRoleSql('c.workspace_id', '$2')} AS "memberRole",
      (SELECT b.archived_at FROM boards b WHERE b.workspace_id = c.workspace_id AND b.id = c.board_id)
        AS "boardArchivedAt"
       FROM cards c WHERE c.id = $1`,
    [id, userId],
  )) as Array<CardRow & { memberRole: Role | null; boardArchivedAt: Date | null }>;
  if (!row) return undefined;
  const { memberRole, boardArchivedAt, ...card } = row;
  return { card, memberRole, boardArchivedAt };
}

/**
 * A move's conditional write (`updateVersioned` semantics: only at `readVersion`), returning
 * the card as stored in the same statement. Entering a column stamps `column_entered_at`, and
 * a done column `done_first_at` (once) and `done_last_at`. Undefined when the version moved on.
 */
export async function moveCardRow(
  em: EntityManager,
  card: { id: string; workspaceId: string; version: number },
  target: { columnId: string; position: string; entering: boolean; isDone: boolean },
): Promise<CardRow | undefined> {
  const result = (await em.query(
    `UPDATE cards AS c
        SET column_id = $3::uuid, position = $4::text, version = c.version + 1, updated_at = now(),
            column_entered_at = CASE WHEN $5::boolean THEN now() ELSE c.column_entered_at END,
            done_first_at = CASE WHEN $5::boolean AND $6::boolean THEN COALESCE(c.done_first_at, now())
                                 ELSE c.done_first_at END,
            done_last_at = CASE WHEN $5::boolean AND $6::boolean THEN now() ELSE c.done_last_at END
      WHERE c.workspace_id = $1 AND c.id = $2 AND c.version = $7
     RETURNING ${CARD_SCALARS}, c.description, c.checklist,
       ${cardSets('c.workspace_id', 'c.board_id', 'c.id')}`,
    [
      card.workspaceId,
      card.id,
      target.columnId,
      target.position,
      target.entering,
      target.isDone,
      card.version,
    ],
  )) as CardRow[] | [CardRow[], number];
  // TypeORM answers an UPDATE with [rows, affected] on the pg driver; plain rows elsewhere.
  const rows = Array.isArray(result[0]) ? result[0] : (result as CardRow[]);
  return rows[0];
}

export interface NewCard extends Pick<
  CardRow,
  | 'id'
  | 'workspaceId'
  | 'boardId'
  | 'columnId'
  | 'position'
  | 'title'
  | 'description'
  | 'dueAt'
  | 'checklist'
  | 'remindBefore'
> {
  createdBy: string;
  /** Created in the done column: it entered "done" now. */
  done: boolean;
}

/** Inserts a card and returns it as stored (without labels and assignees, written apart). */
export async function insertCard(
  em: EntityManager,
  card: NewCard,
): Promise<Omit<CardRow, 'labelIds' | 'assigneeIds'>> {
  const [row] = (await em.query(
    `INSERT INTO cards AS c (id, workspace_id, board_id, column_id, position, title, description,
                             due_at, checklist, created_by, done_first_at, done_last_at,
                             remind_before)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,
             CASE WHEN $11 THEN now() END, CASE WHEN $11 THEN now() END, $12::jsonb)
     RETURNING ${CARD_SCALARS}, c.description, c.checklist`,
    [
      card.id,
      card.workspaceId,
      card.boardId,
      card.columnId,
      card.position,
      card.title,
      card.description,
      card.dueAt,
      JSON.stringify(card.checklist),
      card.createdBy,
      card.done,
      JSON.stringify(card.remindBefore),
    ],
  )) as Array<Omit<CardRow, 'labelIds' | 'assigneeIds'>>;
  return row;
}

/** The board of a card and whether it is archived (writes under an archived board are refused). */
export async function boardArchivedAt(
  em: EntityManager,
  workspaceId: string,
  boardId: string,
): Promise<Date | null> {
  const [row] = (await em.query(
    'SELECT archived_at AS "archivedAt" FROM boards WHERE workspace_id = $1 AND id = $2',
    [workspaceId, boardId],
  )) as Array<{ archivedAt: Date | null }>;
  return row?.archivedAt ?? null;
}

export interface LockedColumn {
  id: string;
  workspaceId: string;
  boardId: string;
  position: string;
  wipLimit: number | null;
  isDone: boolean;
  boardArchivedAt: Date | null;
}

/**
 * Locks a column row until commit (`FOR UPDATE`): every writer that puts a card into a column
 * (create, move, restore, bulk move) takes this lock first, so that its WIP count and the keys
 * of its neighbours cannot change under it. Null when there is no such column.
 */
export async function lockColumn(
  em: EntityManager,
  columnId: string,
): Promise<LockedColumn | undefined> {
  const [row] = (await em.query(
    `SELECT col.id, col.workspace_id AS "workspaceId", col.board_id AS "boardId", col.position,
            col.wip_limit AS "wipLimit", col.is_done AS "isDone", b.archived_at AS "boardArchivedAt"
       FROM board_columns col
       JOIN boards b ON b.workspace_id = col.workspace_id AND b.id = col.board_id
      WHERE col.id = $1
        FOR UPDATE OF col`,
    [columnId],
  )) as LockedColumn[];
  return row;
}

/** Locks a board's row against other structural changes (columns), not against card writes. */
export async function lockBoard(em: EntityManager, boardId: string): Promise<void> {
  await em.query('SELECT id FROM boards WHERE id = $1 FOR NO KEY UPDATE', [boardId]);
}

/** Non-archived cards of a column, optionally not counting one card. */
export async function countActiveCards(
  em: EntityManager,
  column: Pick<LockedColumn, 'workspaceId' | 'boardId' | 'id'>,
  excludeCardId: string | null = null,
): Promise<number> {
  const [row] = (await em.query(
    `SELECT count(*)::int AS n FROM cards
      WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3 AND archived_at IS NULL
        AND ($4::uuid IS NULL OR id <> $4::uuid)`,
    [column.workspaceId, column.boardId, column.id, excludeCardId],
  )) as Array<{ n: number }>;
  return row.n;
}

/** Every card of a column (archived ones too), optionally without one. */
export async function countAllCards(
  em: EntityManager,
  column: Pick<LockedColumn, 'workspaceId' | 'boardId' | 'id'>,
): Promise<{ all: number; active: number }> {
  const [row] = (await em.query(
    `SELECT count(*)::int AS "all", count(*) FILTER (WHERE archived_at IS NULL)::int AS active
       FROM cards WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3`,
    [column.workspaceId, column.boardId, column.id],
  )) as Array<{ all: number; active: number }>;
  return row;
}

export interface KeyedCard {
  id: string;
  columnId: string;
  boardId: string;
  position: string;
}

/** Cards by id in one workspace, for validating neighbours. */
export async function keyedCards(
  em: EntityManager,
  workspaceId: string,
  ids: string[],
): Promise<Map<string, KeyedCard>> {
  if (ids.length === 0) return new Map();
  const rows = (await em.query(
    `SELECT id, column_id AS "columnId", board_id AS "boardId", position
       FROM cards WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
    [workspaceId, ids],
  )) as KeyedCard[];
  return new Map(rows.map((r) => [r.id, r]));
}

type Side = 'next' | 'previous';

/**
 * The card immediately after (`next`) or before (`previous`) `from` in a column, or the first
 * (`next` from null) or last (`previous` from null) one, ignoring `excludeId` (the card being
 * moved). Archived cards count: they keep their place for when they are restored.
 */
export async function neighbour(
  em: EntityManager,
  column: Pick<LockedColumn, 'workspaceId' | 'boardId' | 'id'>,
  side: Side,
  from: { position: string; id: string } | null,
  excludeId: string | null,
): Promise<KeyedCard | null> {
  const params: unknown[] = [column.workspaceId, column.boardId, column.id, excludeId];
  let range = '';
  if (from) {
    params.push(from.position, from.id);
    range = `AND (position, id) ${side === 'next' ? '>' : '<'} ($5, $6::uuid)`;
  }
  const dir = side === 'next' ? 'ASC' : 'DESC';
  const [row] = (await em.query(
    `SELECT id, column_id AS "columnId", board_id AS "boardId", position
       FROM cards
      WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
        AND ($4::uuid IS NULL OR id <> $4::uuid) ${range}
      ORDER BY position ${dir}, id ${dir}
      LIMIT 1`,
    params,
  )) as KeyedCard[];
  return row ?? null;
}

/** The ids of a column's cards in order (for a rebalance). */
export async function orderedCardIds(
  em: EntityManager,
  column: Pick<LockedColumn, 'workspaceId' | 'boardId' | 'id'>,
): Promise<string[]> {
  const rows = (await em.query(
    `SELECT id FROM cards WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
      ORDER BY position, id`,
    [column.workspaceId, column.boardId, column.id],
  )) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

/**
 * Writes new keys for cards of a column in one statement. `column_id` is re-checked so that a
 * card that a concurrent transaction moved out meanwhile is left alone.
 */
export async function writeCardKeys(
  em: EntityManager,
  column: Pick<LockedColumn, 'workspaceId' | 'boardId' | 'id'>,
  keys: Array<{ id: string; key: string }>,
): Promise<void> {
  if (keys.length === 0) return;
  await em.query(
    `UPDATE cards c SET position = v.position
       FROM unnest($4::uuid[], $5::text[]) AS v(id, position)
      WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = $3 AND c.id = v.id`,
    [column.workspaceId, column.boardId, column.id, keys.map((k) => k.id), keys.map((k) => k.key)],
  );
}

export interface CardListFilter {
  workspaceId: string;
  boardId: string;
  columnId?: string;
  labelId?: string;
  assigneeId?: string;
  dueBefore?: Date;
  dueAfter?: Date;
  archived: boolean;
  q?: string;
}

/** Keyset position of a list page: the last row's (column position, column id, position, id). */
export type CardCursor = [string, string, string, string];

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** `%text%` for ILIKE, with the pattern characters of `text` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * One page of a board's cards, ordered by (column position, column id, card position, card id).
 *
 * The board's columns are walked in order (index `ix_board_columns_board_position`), and for each
 * a LATERAL subquery reads at most `limit` of its cards in key order from `ix_cards_column_order`
 * with the filters applied on the way. The outer sort is incremental on the column order, so the
 * walk stops at the first columns that fill the page: a page costs about `limit` index entries,
 * whatever the size of the board. The cursor continues inside its column by (position, id) and in
 * later columns from their start, so rows inserted or moved elsewhere never shift a page.
 *
 * It runs as a named prepared statement (one per SQL shape: filters and page size change the
 * text) whose generic plan is this same plan, so that PostgreSQL stops planning it after the
 * fifth execution on a connection (planning cost as much as executing).
 */
export async function listCardPage(
  em: EntityManager,
  filter: CardListFilter,
  cursor: CardCursor | null,
  limit: number,
): Promise<CardSummaryRow[]> {
  // The row limit is SQL text, not a parameter: a generic plan of `LIMIT $n` is costed as 10% of
  // the rows and PostgreSQL would never pick it over custom plans (planning every execution).
  const take = limit + 1;
  if (!Number.isInteger(take) || take < 2) throw new Error(`listCardPage: bad limit ${limit}`);
  const params: unknown[] = [filter.workspaceId, filter.boardId];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const outer: string[] = [];
  const inner: string[] = [filter.archived ? 'c.archived_at IS NOT NULL' : 'c.archived_at IS NULL'];
  if (filter.columnId) outer.push(`col.id = ${p(filter.columnId)}::uuid`);
  if (cursor) {
    const [colPos, colId, pos, id] = cursor;
    const colPosP = p(colPos);
    const colIdP = p(colId);
    outer.push(`(col.position, col.id) >= (${colPosP}, ${colIdP}::uuid)`);
    // Inside the cursor's column continue after (position, id); later columns from the start.
    inner.push(
      `(c.position, c.id) > (CASE WHEN col.id = ${colIdP}::uuid THEN ${p(pos)} ELSE '' END,
                             CASE WHEN col.id = ${colIdP}::uuid THEN ${p(id)}::uuid ELSE '${NIL_UUID}'::uuid END)`,
    );
  }
  if (filter.labelId) {
    inner.push(`EXISTS (SELECT 1 FROM card_labels cl
       WHERE cl.workspace_id = $1 AND cl.board_id = $2 AND cl.card_id = c.id
         AND cl.label_id = ${p(filter.labelId)}::uuid)`);
  }
  if (filter.assigneeId) {
    inner.push(`EXISTS (SELECT 1 FROM card_assignees ca
       WHERE ca.workspace_id = $1 AND ca.board_id = $2 AND ca.card_id = c.id
         AND ca.user_id = ${p(filter.assigneeId)}::uuid)`);
  }
  if (filter.dueBefore) inner.push(`c.due_at < ${p(filter.dueBefore)}`);
  if (filter.dueAfter) inner.push(`c.due_at >= ${p(filter.dueAfter)}`);
  if (filter.q) {
    const q = p(containsPattern(filter.q));
    inner.push(`(c.title ILIKE ${q} OR c.description ILIKE ${q})`);
  }
  const sql = `
    SELECT page.*, ${cardSets('$1', '$2', 'page.id')}
      FROM (
        SELECT col.position AS "columnPosition", ${CARD_SCALARS_ISO},
               octet_length(c.description) > 0 AS "hasDescription",
               jsonb_array_length(c.checklist) AS "checklistTotal",
               (SELECT count(*)::int FROM jsonb_array_elements(c.checklist) item
                 WHERE item->>'done' = 'true') AS "checklistDone"
          FROM board_columns col
          CROSS JOIN LATERAL (
            SELECT c.* FROM cards c
             WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = col.id
               AND ${inner.join('\n               AND ')}
             ORDER BY c.position, c.id
             LIMIT ${take}
          ) c
         WHERE col.workspace_id = $1 AND col.board_id = $2
           ${outer.map((o) => `AND ${o}`).join('\n           ')}
         ORDER BY col.position, col.id, c.position, c.id
         LIMIT ${take}
      ) page
     ORDER BY page."columnPosition", page."columnId", page.position, page.id`;
  return preparedQuery<CardSummaryRow>(em, 'card_page', sql, params);
}

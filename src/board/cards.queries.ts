import type { WorkspaceScope } from '../kernel/index.js';
import { defineKeyset } from '../kernel/index.js';
import { updateVersioned } from '../database/versioned-update.js';
import {
  CARD_FIELDS,
  CARD_SELECT,
  COLUMN_FIELDS,
  selectList,
  cardSets,
  type CardRow,
  type ColumnRow,
} from './board.tables.js';
import { CardEntity } from './entities/card.entity.js';

/**
 * The board module's non-trivial SQL, in one place (plans checked with EXPLAIN on a board of
 * 100k cards; see the README). Every function takes the unit of work's scope first and filters
 * by `s.workspaceId`. Card order inside a column is `position` with collation "C", then `id`;
 * every statement here that orders cards uses the index
 * `ix_cards_column_order (workspace_id, board_id, column_id, position, id)`.
 */

type Scope = WorkspaceScope<unknown>;

export type { CardRow };

const TIMESTAMPS = [
  'dueAt',
  'archivedAt',
  'columnEnteredAt',
  'doneFirstAt',
  'doneLastAt',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<(typeof CARD_FIELDS)[number]>;
type Timestamp = (typeof TIMESTAMPS)[number];
/** A list item has a summary of these instead. */
const DETAILS = ['description', 'checklist', 'remindBefore'] as const;

/**
 * A card of a list page (no description or checklist, their summary instead). Its timestamps
 * come formatted by PostgreSQL (ISO 8601, UTC, milliseconds, like `Date#toISOString`): a page
 * then costs no Date parsing and formatting per card.
 */
export type CardSummaryRow = Omit<CardRow, (typeof DETAILS)[number] | Timestamp> & {
  [K in Timestamp]: null extends CardRow[K] ? string | null : string;
} & {
  columnPosition: string;
  hasDescription: boolean;
  checklistTotal: number;
  checklistDone: number;
};

const snake = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isoText = (column: string, alias: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

/** A list item's own columns over alias `c`, timestamps as ISO text (see CardSummaryRow). */
const CARD_SUMMARY_SCALARS = CARD_FIELDS.filter((f) => !(DETAILS as readonly string[]).includes(f))
  .map((f) =>
    (TIMESTAMPS as readonly string[]).includes(f)
      ? isoText(`c.${snake(f)}`, f)
      : selectList('c', [f]),
  )
  .join(', ');

/** One card of the workspace by id, with its labels and assignees. */
export async function cardById(s: Scope, id: string): Promise<CardRow | undefined> {
  const [row] = await s.query<CardRow>(
    `SELECT ${CARD_SELECT} FROM cards t WHERE t.workspace_id = $1 AND t.id = $2`,
    [s.workspaceId, id],
  );
  return row;
}

/**
 * A move's conditional write (`updateVersioned`: only at the version read, 409/412 otherwise).
 * Entering a column stamps `column_entered_at`, and a done column `done_first_at` (once) and
 * `done_last_at`. The card as stored is computed here rather than read back: the version
 * guard proves the row is still `card`, and `txNow` is the transaction's `now()` (what the
 * database wrote), so the answer costs no extra statement.
 */
export async function moveCardRow(
  s: Scope,
  card: CardRow,
  target: { columnId: string; position: string; entering: boolean; isDone: boolean; txNow: Date },
  ifMatch: number | undefined,
): Promise<CardRow> {
  const { entering, isDone, txNow } = target;
  const done = entering && isDone;
  // Built property by property, not with conditional spreads: Node 20's slow path for a spread
  // among other properties (README, Benchmarks, "Object spreads"); the key order is the same.
  const values: Record<string, unknown> = { columnId: target.columnId, position: target.position };
  if (entering) values.columnEnteredAt = () => 'now()';
  if (done) {
    values.doneFirstAt = () => 'COALESCE(done_first_at, now())';
    values.doneLastAt = () => 'now()';
  }
  const version = await updateVersioned(s.em, CardEntity, card.id, card.version, ifMatch, values);
  return Object.assign({}, card, {
    columnId: target.columnId,
    position: target.position,
    version,
    updatedAt: txNow,
    columnEnteredAt: entering ? txNow : card.columnEnteredAt,
    doneFirstAt: done ? (card.doneFirstAt ?? txNow) : card.doneFirstAt,
    doneLastAt: done ? txNow : card.doneLastAt,
  } satisfies Partial<CardRow>);
}

export type NewCard = Pick<
  CardRow,
  | 'id'
  | 'boardId'
  | 'columnId'
  | 'position'
  | 'title'
  | 'description'
  | 'dueAt'
  | 'checklist'
  | 'remindBefore'
> & {
  createdBy: string | null;
  /** Created in the done column: it entered "done" now. */
  done: boolean;
};

/** The INSERT of `insertCard`, built once (its RETURNING list comes from CARD_FIELDS). */
const INSERT_CARD_SQL = `INSERT INTO cards AS t (id, workspace_id, board_id, column_id, position, title, description,
                             due_at, checklist, created_by, done_first_at, done_last_at,
                             remind_before)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,
             CASE WHEN $11 THEN now() END, CASE WHEN $11 THEN now() END, $12::jsonb)
     RETURNING ${selectList('t', CARD_FIELDS)}`;

/** Inserts a card and returns it as stored (without labels and assignees, written apart). */
export async function insertCard(
  s: Scope,
  card: NewCard,
): Promise<Omit<CardRow, 'labelIds' | 'assigneeIds'>> {
  const [row] = await s.prepared<Omit<CardRow, 'labelIds' | 'assigneeIds'>>(
    'insert_card',
    INSERT_CARD_SQL,
    [
      card.id,
      s.workspaceId,
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
  );
  return row;
}

export interface LockedColumn {
  id: string;
  workspaceId: string;
  boardId: string;
  position: string;
  wipLimit: number | null;
  isDone: boolean;
  boardArchivedAt: Date | null;
  /** The transaction's `now()`: what `now()` writes in this transaction. */
  txNow: Date;
}

/**
 * Locks a column row of the workspace until commit (`FOR UPDATE`): every writer that puts a
 * card into a column (create, move, restore, bulk move) takes this lock first, so that its WIP
 * count and the keys of its neighbours cannot change under it. Undefined when there is no such
 * column in the workspace.
 */
export async function lockColumn(s: Scope, columnId: string): Promise<LockedColumn | undefined> {
  const [row] = await s.prepared<LockedColumn>(
    'lock_column',
    `SELECT col.id, col.workspace_id AS "workspaceId", col.board_id AS "boardId", col.position,
            col.wip_limit AS "wipLimit", col.is_done AS "isDone", b.archived_at AS "boardArchivedAt",
            now() AS "txNow"
       FROM board_columns col
       JOIN boards b ON b.workspace_id = col.workspace_id AND b.id = col.board_id
      WHERE col.workspace_id = $1 AND col.id = $2
        FOR UPDATE OF col`,
    [s.workspaceId, columnId],
  );
  return row;
}

/** Locks a board's row against other structural changes (columns), not against card writes. */
export async function lockBoard(s: Scope, boardId: string): Promise<void> {
  await s.query('SELECT id FROM boards WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE', [
    s.workspaceId,
    boardId,
  ]);
}

type ColumnKey = Pick<LockedColumn, 'boardId' | 'id'>;

/** Non-archived cards of a column, optionally not counting one card. */
export async function countActiveCards(
  s: Scope,
  column: ColumnKey,
  excludeCardId: string | null = null,
): Promise<number> {
  const [row] = await s.prepared<{ n: number }>(
    'count_active_cards',
    `SELECT count(*)::int AS n FROM cards
      WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3 AND archived_at IS NULL
        AND ($4::uuid IS NULL OR id <> $4::uuid)`,
    [s.workspaceId, column.boardId, column.id, excludeCardId],
  );
  return row.n;
}

/** Every card of a column (archived ones too), and the active ones. */
export async function countAllCards(
  s: Scope,
  column: ColumnKey,
): Promise<{ all: number; active: number }> {
  const [row] = await s.query<{ all: number; active: number }>(
    `SELECT count(*)::int AS "all", count(*) FILTER (WHERE archived_at IS NULL)::int AS active
       FROM cards WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3`,
    [s.workspaceId, column.boardId, column.id],
  );
  return row;
}

export type KeyedCard = Pick<CardRow, 'id' | 'columnId' | 'boardId' | 'position'>;

/** Cards of the workspace by id, for validating neighbours. */
export async function keyedCards(s: Scope, ids: string[]): Promise<Map<string, KeyedCard>> {
  if (ids.length === 0) return new Map();
  const rows = await s.query<KeyedCard>(
    `SELECT id, column_id AS "columnId", board_id AS "boardId", position
       FROM cards WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
    [s.workspaceId, ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

type Side = 'next' | 'previous';

/** `neighbour`'s statement for a side, continuing from a card (`from`) or not. */
function neighbourSql(side: Side, from: boolean): string {
  const range = from ? `AND (position, id) ${side === 'next' ? '>' : '<'} ($5, $6::uuid)` : '';
  const dir = side === 'next' ? 'ASC' : 'DESC';
  return `SELECT id, column_id AS "columnId", board_id AS "boardId", position
       FROM cards
      WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
        AND ($4::uuid IS NULL OR id <> $4::uuid) ${range}
      ORDER BY position ${dir}, id ${dir}
      LIMIT 1`;
}

/** The four texts of `neighbour`, built once: the same string objects on every call. */
const NEIGHBOUR_SQL = {
  next: { from: neighbourSql('next', true), start: neighbourSql('next', false) },
  previous: { from: neighbourSql('previous', true), start: neighbourSql('previous', false) },
} as const;

/**
 * The card immediately after (`next`) or before (`previous`) `from` in a column, or the first
 * (`next` from null) or last (`previous` from null) one, ignoring `excludeId` (the card being
 * moved). Archived cards count: they keep their place for when they are restored.
 */
export async function neighbour(
  s: Scope,
  column: ColumnKey,
  side: Side,
  from: { position: string; id: string } | null,
  excludeId: string | null,
): Promise<KeyedCard | null> {
  const params: unknown[] = [s.workspaceId, column.boardId, column.id, excludeId];
  if (from) params.push(from.position, from.id);
  const [row] = await s.prepared<KeyedCard>(
    'card_neighbour',
    from ? NEIGHBOUR_SQL[side].from : NEIGHBOUR_SQL[side].start,
    params,
  );
  return row ?? null;
}

/** The ids of a column's cards in order (for a rebalance). */
export async function orderedCardIds(s: Scope, column: ColumnKey): Promise<string[]> {
  const rows = await s.query<{ id: string }>(
    `SELECT id FROM cards WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
      ORDER BY position, id`,
    [s.workspaceId, column.boardId, column.id],
  );
  return rows.map((r) => r.id);
}

/**
 * Writes new keys for cards of a column in one statement. `column_id` is re-checked so that a
 * card that a concurrent transaction moved out meanwhile is left alone.
 */
export async function writeCardKeys(
  s: Scope,
  column: ColumnKey,
  keys: Array<{ id: string; key: string }>,
): Promise<void> {
  if (keys.length === 0) return;
  await s.query(
    `UPDATE cards c SET position = v.position
       FROM unnest($4::uuid[], $5::text[]) AS v(id, position)
      WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = $3 AND c.id = v.id`,
    [s.workspaceId, column.boardId, column.id, keys.map((k) => k.id), keys.map((k) => k.key)],
  );
}

export interface CardListFilter {
  boardId: string;
  columnId?: string;
  labelId?: string;
  assigneeId?: string;
  dueBefore?: Date;
  dueAfter?: Date;
  archived: boolean;
  q?: string;
}

/**
 * The card list's order: (column position, column id, card position, card id). `listCardPage`
 * writes its own continuation condition from the cursor's values (see there).
 */
export const CardList = defineKeyset<CardSummaryRow>('cards.list', [
  { column: 'col.position', direction: 'ASC', type: 'text', value: (r) => r.columnPosition },
  { column: 'col.id', direction: 'ASC', type: 'uuid', value: (r) => r.columnId },
  { column: 'c.position', direction: 'ASC', type: 'text', value: (r) => r.position },
  { column: 'c.id', direction: 'ASC', type: 'uuid', value: (r) => r.id },
]);

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** `%text%` for ILIKE, with the pattern characters of `text` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/**
 * One page of a board's cards (`limit + 1` rows, for `CardList.page`), ordered by (column
 * position, column id, card position, card id).
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
  s: Scope,
  filter: CardListFilter,
  cursor: string | undefined,
  limit: number,
): Promise<CardSummaryRow[]> {
  // The row limit is SQL text, not a parameter: a generic plan of `LIMIT $n` is costed as 10% of
  // the rows and PostgreSQL would never pick it over custom plans (planning every execution).
  const take = limit + 1;
  if (!Number.isInteger(take) || take < 2) throw new Error(`listCardPage: bad limit ${limit}`);
  // Which filters apply is decided once, in the shape; the parameters follow in its order.
  const shape: CardPageShape = {
    take,
    archived: filter.archived,
    columnId: Boolean(filter.columnId),
    after: false,
    labelId: Boolean(filter.labelId),
    assigneeId: Boolean(filter.assigneeId),
    dueBefore: Boolean(filter.dueBefore),
    dueAfter: Boolean(filter.dueAfter),
    q: Boolean(filter.q),
  };
  const params: unknown[] = [s.workspaceId, filter.boardId];
  if (shape.columnId) params.push(filter.columnId);
  // The keyset checks the cursor (signed, of this list) and pushes its four values; the
  // continuation is written by cardPageSql, split between the column walk and the per-column read.
  shape.after = CardList.after(cursor, params) !== 'TRUE';
  if (shape.labelId) params.push(filter.labelId);
  if (shape.assigneeId) params.push(filter.assigneeId);
  if (shape.dueBefore) params.push(filter.dueBefore);
  if (shape.dueAfter) params.push(filter.dueAfter);
  if (shape.q) params.push(containsPattern(filter.q!));
  const sql = cardPageSql(shape);
  return s.prepared<CardSummaryRow>('card_page', sql, params);
}

/** Which parts a card page statement has: its text is a function of these alone. */
export interface CardPageShape {
  /** The row limit (`limit + 1`). */
  take: number;
  archived: boolean;
  columnId: boolean;
  /** Continues after a cursor (four parameters). */
  after: boolean;
  labelId: boolean;
  assigneeId: boolean;
  dueBefore: boolean;
  dueAfter: boolean;
  q: boolean;
}

const cardPageSqls = new Map<string, string>();
const MAX_CARD_PAGE_SQLS = 1000;

/**
 * The text of `listCardPage`'s statement for a shape, built once per shape: the same string
 * object on every request, so the statement-name look-up hashes it once, not 2.5 KB per request.
 * Parameters: $1 workspace, $2 board, then, each when present, the column, the cursor's four
 * values, the label, the assignee, due before, due after and the search pattern.
 */
export function cardPageSql(shape: CardPageShape): string {
  const key = `${shape.take}:${+shape.archived}${+shape.columnId}${+shape.after}${+shape.labelId}${+shape.assigneeId}${+shape.dueBefore}${+shape.dueAfter}${+shape.q}`;
  let sql = cardPageSqls.get(key);
  if (sql === undefined) {
    sql = buildCardPageSql(shape);
    if (cardPageSqls.size >= MAX_CARD_PAGE_SQLS) cardPageSqls.clear();
    cardPageSqls.set(key, sql);
  }
  return sql;
}

function buildCardPageSql(shape: CardPageShape): string {
  let last = 2;
  const next = (): string => `$${++last}`;
  const outer: string[] = [];
  const inner: string[] = [shape.archived ? 'c.archived_at IS NOT NULL' : 'c.archived_at IS NULL'];
  if (shape.columnId) outer.push(`col.id = ${next()}::uuid`);
  if (shape.after) {
    const [colPos, colId, pos, id] = [next(), next(), next(), next()];
    outer.push(`(col.position, col.id) >= (${colPos}::text, ${colId}::uuid)`);
    // Inside the cursor's column continue after (position, id); later columns from the start.
    inner.push(
      `(c.position, c.id) > (CASE WHEN col.id = ${colId}::uuid THEN ${pos}::text ELSE '' END,
                             CASE WHEN col.id = ${colId}::uuid THEN ${id}::uuid ELSE '${NIL_UUID}'::uuid END)`,
    );
  }
  if (shape.labelId) {
    inner.push(`EXISTS (SELECT 1 FROM card_labels cl
       WHERE cl.workspace_id = $1 AND cl.board_id = $2 AND cl.card_id = c.id
         AND cl.label_id = ${next()}::uuid)`);
  }
  if (shape.assigneeId) {
    inner.push(`EXISTS (SELECT 1 FROM card_assignees ca
       WHERE ca.workspace_id = $1 AND ca.board_id = $2 AND ca.card_id = c.id
         AND ca.user_id = ${next()}::uuid)`);
  }
  if (shape.dueBefore) inner.push(`c.due_at < ${next()}`);
  if (shape.dueAfter) inner.push(`c.due_at >= ${next()}`);
  if (shape.q) {
    const q = next();
    inner.push(`(c.title ILIKE ${q} OR c.description ILIKE ${q})`);
  }
  return `
    SELECT page.*, ${cardSets('$1', '$2', 'page.id')}
      FROM (
        SELECT col.position AS "columnPosition", ${CARD_SUMMARY_SCALARS},
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
             LIMIT ${shape.take}
          ) c
         WHERE col.workspace_id = $1 AND col.board_id = $2
           ${outer.map((o) => `AND ${o}`).join('\n           ')}
         ORDER BY col.position, col.id, c.position, c.id
         LIMIT ${shape.take}
      ) page
     ORDER BY page."columnPosition", page."columnId", page.position, page.id`;
}

/** A column of the board view with its first cards (`limit + 1` of them, for `CardList.page`). */
export type ColumnWithCards = ColumnRow & { cards: CardSummaryRow[] };

/**
 * Every column of a board, each with its first `limit + 1` non-archived cards, in one statement:
 * the same per-column index walk as `listCardPage`, the cards folded into JSON per column (a
 * summary row is lossless in JSON: its timestamps are already ISO text).
 */
export async function columnsWithFirstCards(
  s: Scope,
  boardId: string,
  limit: number,
): Promise<ColumnWithCards[]> {
  const take = limit + 1;
  if (!Number.isInteger(take) || take < 2)
    throw new Error(`columnsWithFirstCards: bad limit ${limit}`);
  const sql = `
    SELECT ${selectList('col', COLUMN_FIELDS)},
           COALESCE((
             SELECT jsonb_agg(to_jsonb(page) ORDER BY page.position, page.id)
               FROM (
                 SELECT col.position AS "columnPosition", ${CARD_SUMMARY_SCALARS},
                        octet_length(c.description) > 0 AS "hasDescription",
                        jsonb_array_length(c.checklist) AS "checklistTotal",
                        (SELECT count(*)::int FROM jsonb_array_elements(c.checklist) item
                          WHERE item->>'done' = 'true') AS "checklistDone",
                        ${cardSets('$1', '$2', 'c.id')}
                   FROM cards c
                  WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = col.id
                    AND c.archived_at IS NULL
                  ORDER BY c.position, c.id
                  LIMIT ${take}
               ) page
           ), '[]'::jsonb) AS cards
      FROM board_columns col
     WHERE col.workspace_id = $1 AND col.board_id = $2
     ORDER BY col.position, col.id`;
  return s.prepared<ColumnWithCards>('board_view', sql, [s.workspaceId, boardId]);
}

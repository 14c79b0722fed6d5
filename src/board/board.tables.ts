import { defineTenantTable } from '../kernel/index.js';
import { BoardProblems } from './board.errors.js';
import type { BoardColumnEntity } from './entities/board-column.entity.js';
import type { BoardEntity } from './entities/board.entity.js';
import type { CardEntity } from './entities/card.entity.js';
import type { CommentEntity } from './entities/comment.entity.js';
import type { LabelEntity } from './entities/label.entity.js';

/**
 * The board module's tenant tables and their row shapes. Each row type is derived from its
 * entity (`Pick` of one field list), and the SQL column list is generated from that same list,
 * so a row's shape is written once.
 */

const snake = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `t.workspace_id AS "workspaceId", ...` for the fields, over `alias`. */
export const selectList = (alias: string, fields: readonly string[]): string =>
  fields
    .map((f) => (snake(f) === f ? `${alias}.${f}` : `${alias}.${snake(f)} AS "${f}"`))
    .join(', ');

const VERSIONED = ['id', 'version', 'createdAt', 'updatedAt'] as const;

export const BOARD_FIELDS = [
  ...VERSIONED,
  'workspaceId',
  'name',
  'description',
  'createdBy',
  'archivedAt',
] as const satisfies ReadonlyArray<keyof BoardEntity>;
export type BoardRow = Pick<BoardEntity, (typeof BOARD_FIELDS)[number]>;

export const COLUMN_FIELDS = [
  ...VERSIONED,
  'workspaceId',
  'boardId',
  'name',
  'position',
  'wipLimit',
  'isDone',
  'inProgress',
] as const satisfies ReadonlyArray<keyof BoardColumnEntity>;
export type ColumnRow = Pick<BoardColumnEntity, (typeof COLUMN_FIELDS)[number]>;

/** A card's own columns (its labels and assignees live in their own tables). */
export const CARD_FIELDS = [
  ...VERSIONED,
  'workspaceId',
  'boardId',
  'columnId',
  'position',
  'title',
  'description',
  'dueAt',
  'checklist',
  'remindBefore',
  'archivedAt',
  'columnEnteredAt',
  'doneFirstAt',
  'doneLastAt',
  'createdBy',
] as const satisfies ReadonlyArray<keyof CardEntity>;
/** A card as the API shows it: its row with its labels and assignees (sorted ids). */
export type CardRow = Pick<CardEntity, (typeof CARD_FIELDS)[number]> & {
  labelIds: string[];
  assigneeIds: string[];
};

export const LABEL_FIELDS = [
  ...VERSIONED,
  'workspaceId',
  'boardId',
  'name',
  'color',
] as const satisfies ReadonlyArray<keyof LabelEntity>;
export type LabelRow = Pick<LabelEntity, (typeof LABEL_FIELDS)[number]>;

export const COMMENT_FIELDS = [
  ...VERSIONED,
  'workspaceId',
  'boardId',
  'cardId',
  'authorId',
  'body',
] as const satisfies ReadonlyArray<keyof CommentEntity>;
export type CommentRow = Pick<CommentEntity, (typeof COMMENT_FIELDS)[number]>;

/** Labels and assignees of one card, by primary-key range scans (sorted, as text). */
export const cardSets = (ws: string, board: string, card: string): string => `
  ARRAY(SELECT cl.label_id::text FROM card_labels cl
         WHERE cl.workspace_id = ${ws} AND cl.board_id = ${board} AND cl.card_id = ${card}
         ORDER BY cl.label_id) AS "labelIds",
  ARRAY(SELECT ca.user_id::text FROM card_assignees ca
         WHERE ca.workspace_id = ${ws} AND ca.board_id = ${board} AND ca.card_id = ${card}
         ORDER BY ca.user_id) AS "assigneeIds"`;

/** A card with its labels and assignees, over alias `t`. */
export const CARD_SELECT = `${selectList('t', CARD_FIELDS)},
  ${cardSets('t.workspace_id', 't.board_id', 't.id')}`;

/** The row's board, for `archived_at` (writes under an archived board are refused). */
const BOARD_JOIN = 'JOIN boards b ON b.workspace_id = t.workspace_id AND b.id = t.board_id';
const BOARD_ARCHIVED = 'b.archived_at AS "boardArchivedAt"';

/** Rows loaded with their board's archive state, in the tenancy statement. */
export interface OnBoard {
  boardArchivedAt: Date | null;
}

export const Boards = defineTenantTable<BoardRow>({
  table: 'boards',
  notFound: 'Board not found.',
  select: selectList('t', BOARD_FIELDS),
});

export const Columns = defineTenantTable<ColumnRow & OnBoard>({
  table: 'board_columns',
  notFound: 'Column not found.',
  select: `${selectList('t', COLUMN_FIELDS)}, ${BOARD_ARCHIVED}`,
  joins: BOARD_JOIN,
});

export const Cards = defineTenantTable<CardRow & OnBoard>({
  table: 'cards',
  notFound: 'Card not found.',
  select: `${CARD_SELECT}, ${BOARD_ARCHIVED}`,
  joins: BOARD_JOIN,
});

export const Labels = defineTenantTable<LabelRow & OnBoard>({
  table: 'board_labels',
  notFound: 'Label not found.',
  select: `${selectList('t', LABEL_FIELDS)}, ${BOARD_ARCHIVED}`,
  joins: BOARD_JOIN,
});

export const Comments = defineTenantTable<CommentRow & OnBoard>({
  table: 'card_comments',
  notFound: 'Comment not found.',
  select: `${selectList('t', COMMENT_FIELDS)}, ${BOARD_ARCHIVED}`,
  joins: BOARD_JOIN,
});

/** Drops the joined board state from a tenancy row. */
export function withoutBoard<R extends OnBoard>(row: R): Omit<R, 'boardArchivedAt'> {
  const { boardArchivedAt: _archived, ...rest } = row;
  return rest;
}

/** Writes under an archived board are refused (409 board-archived). */
export function assertBoardWritable(archivedAt: Date | null): void {
  if (archivedAt) throw BoardProblems.boardArchived();
}

/** The row of a write, whose board must not be archived. */
export function onWritableBoard<R extends OnBoard>(row: R): Omit<R, 'boardArchivedAt'> {
  assertBoardWritable(row.boardArchivedAt);
  return withoutBoard(row);
}

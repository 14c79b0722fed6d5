import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host.js';
import { defineTenantTable } from '../kernel/index.js';

export interface CardRef {
  id: string;
  boardId: string;
  title: string;
}

/** A card and the workspace it belongs to (for routes that start from a card id). */
export interface CardLocation extends CardRef {
  workspaceId: string;
}

/** A column as other modules may know it, with its card counts when asked for. */
export interface ColumnState {
  id: string;
  boardId: string;
  boardName: string;
  name: string;
  position: string;
  wipLimit: number | null;
  isDone: boolean;
  inProgress: boolean;
  /** Cards in it that are not archived (only with `withCounts`). */
  openCards?: number;
  archivedCards?: number;
}

/**
 * A card as the target of another module's unit of work (routes that start from a card id):
 * `uow.read(actor, CardTarget.ref(cardId), 'viewer', (s) => s.row)` resolves the card's
 * workspace and the caller's role in one statement, and answers another tenant's card like a
 * missing one. The replacement for `findCard` + a separate access check.
 */
export const CardTarget = defineTenantTable<CardRef>({
  table: 'cards',
  notFound: 'Card not found.',
  select: 't.id, t.board_id AS "boardId", t.title',
});

/**
 * What other modules may know about cards, without importing the board's entities: which of
 * some card ids exist in a workspace. Runs in the caller's transaction when there is one.
 */
@Injectable()
export class CardDirectory {
  constructor(private readonly tx: TransactionHost) {}

  /** The cards among `cardIds` that belong to `workspaceId` (others are simply absent). */
  async cardsInWorkspace(workspaceId: string, cardIds: string[]): Promise<Map<string, CardRef>> {
    const ids = [...new Set(cardIds)];
    if (ids.length === 0) return new Map();
    const rows = (await this.tx.manager.query(
      `SELECT id, board_id AS "boardId", title
         FROM cards
        WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids],
    )) as CardRef[];
    return new Map(rows.map((r) => [r.id, { id: r.id, boardId: r.boardId, title: r.title }]));
  }

  /**
   * The card with this id and its workspace, or null. The caller must then check the caller's
   * access to `workspaceId` (and answer a foreign card like a missing one).
   * @deprecated Unscoped: use `CardTarget` as the unit of work's target instead (kept until the
   * notes module has moved onto the kernel).
   */
  async findCard(cardId: string): Promise<CardLocation | null> {
    const [row] = (await this.tx.manager.query(
      'SELECT id, workspace_id AS "workspaceId", board_id AS "boardId", title FROM cards WHERE id = $1',
      [cardId],
    )) as CardLocation[];
    return row
      ? { id: row.id, workspaceId: row.workspaceId, boardId: row.boardId, title: row.title }
      : null;
  }

  /**
   * Columns of a workspace (those among `columnIds`, or all of them) with their board, and,
   * with `withCounts`, how many open and archived cards each holds (counted from the column
   * index, one column at a time).
   */
  async columnStates(
    workspaceId: string,
    filter: { columnIds?: string[]; withCounts?: boolean },
  ): Promise<ColumnState[]> {
    const counts = filter.withCounts
      ? `, (SELECT count(*) FROM cards c WHERE c.workspace_id = col.workspace_id
              AND c.board_id = col.board_id AND c.column_id = col.id
              AND c.archived_at IS NULL)::int AS "openCards",
           (SELECT count(*) FROM cards c WHERE c.workspace_id = col.workspace_id
              AND c.board_id = col.board_id AND c.column_id = col.id
              AND c.archived_at IS NOT NULL)::int AS "archivedCards"`
      : '';
    return (await this.tx.manager.query(
      `SELECT col.id, col.board_id AS "boardId", b.name AS "boardName", col.name, col.position,
              col.wip_limit AS "wipLimit", col.is_done AS "isDone",
              col.in_progress AS "inProgress"${counts}
         FROM board_columns col
         JOIN boards b ON b.workspace_id = col.workspace_id AND b.id = col.board_id
        WHERE col.workspace_id = $1 AND ($2::uuid[] IS NULL OR col.id = ANY($2::uuid[]))`,
      [workspaceId, filter.columnIds ?? null],
    )) as ColumnState[];
  }
}

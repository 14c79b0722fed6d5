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
}

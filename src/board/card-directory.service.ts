import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host.js';

export interface CardRef {
  id: string;
  boardId: string;
  title: string;
}

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
}

import { Injectable } from '@nestjs/common';
import { WorkspaceDirectory, WorkspaceUnitOfWork, type Actor } from '../kernel/index.js';
import {
  toBoardResponse,
  toCardSummary,
  toColumnResponse,
  toLabelResponse,
} from './board.mappers.js';
import { Boards, LABEL_FIELDS, selectList, type LabelRow } from './board.tables.js';
import { CardList, columnsWithFirstCards } from './cards.queries.js';
import type { BoardViewQueryDto, BoardViewResponseDto } from './dto/board-view.dto.js';

const LABEL_SELECT = selectList('t', LABEL_FIELDS);

/**
 * What a client needs to draw a board, in one call: the board, its columns each with their
 * first page of cards, its labels, and the members those cards refer to. Four statements
 * (tenancy with the board row, columns with their cards, labels, members) whatever the size
 * of the board; each column's `nextCursor` continues in the card list filtered by that column.
 */
@Injectable()
export class BoardViewService {
  constructor(
    private readonly uow: WorkspaceUnitOfWork,
    private readonly directory: WorkspaceDirectory,
  ) {}

  view(actor: Actor, boardId: string, query: BoardViewQueryDto): Promise<BoardViewResponseDto> {
    return this.uow.read(actor, Boards.ref(boardId), 'viewer', async (s) => {
      const limit = CardList.limit(query.cardsPerColumn);
      const columns = await columnsWithFirstCards(s, boardId, limit);
      const labels = await s.query<LabelRow>(
        `SELECT ${LABEL_SELECT} FROM board_labels t
          WHERE t.workspace_id = $1 AND t.board_id = $2 ORDER BY t.name, t.id`,
        [s.workspaceId, boardId],
      );
      // Object.assign onto fresh objects, not spreads (Node 20's slow path for a spread among
      // other properties: README, Benchmarks, "Object spreads").
      const shown = columns.map(({ cards, ...column }) =>
        Object.assign(toColumnResponse(column), CardList.page(cards, limit, toCardSummary)),
      );
      const referenced = new Set<string>();
      for (const column of shown) {
        for (const card of column.data) {
          if (card.createdBy) referenced.add(card.createdBy);
          for (const userId of card.assigneeIds) referenced.add(userId);
        }
      }
      const members =
        referenced.size === 0
          ? []
          : (await this.directory.members(s.workspaceId)).filter((m) => referenced.has(m.userId));
      return {
        board: toBoardResponse(s.row),
        columns: shown.map(({ data, nextCursor, ...column }) =>
          Object.assign(column, { cards: data, nextCursor }),
        ),
        labels: labels.map(toLabelResponse),
        members,
      };
    });
  }
}

import { Injectable } from '@nestjs/common';
import { principalUserId } from '../common/auth.decorators.js';
import type { Page } from '../common/pagination.js';
import { sentFields } from '../common/validators.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import {
  defineKeyset,
  diffChanges,
  WorkspaceUnitOfWork,
  type Actor,
  type WorkspaceScope,
} from '../kernel/index.js';
import { BoardEvents, ColumnEvents } from './board.events.js';
import { toBoardResponse } from './board.mappers.js';
import {
  assertBoardWritable,
  BOARD_FIELDS,
  Boards,
  selectList,
  type BoardRow,
  type ColumnRow,
} from './board.tables.js';
import { COLUMN_EVENT_FIELDS } from './columns.service.js';
import type {
  BoardResponseDto,
  CreateBoardDto,
  ListBoardsQueryDto,
  UpdateBoardDto,
} from './dto/board.dto.js';
import { BoardColumnEntity } from './entities/board-column.entity.js';
import { BoardEntity } from './entities/board.entity.js';
import { evenlySpacedKeys } from './ordering.js';

const BOARD_EVENT_FIELDS = ['name', 'description', 'archivedAt'];
const BOARD_SELECT = selectList('t', BOARD_FIELDS);

/** A workspace's boards in creation order (UUIDv7 ids). */
const BoardList = defineKeyset<BoardRow>('boards.list', [
  { column: 't.id', direction: 'ASC', type: 'uuid', value: (b) => b.id },
]);

/** The columns a board gets unless created with `defaultColumns: false`; the last is "done". */
export const DEFAULT_COLUMNS = ['To do', 'Doing', 'Done'];

@Injectable()
export class BoardsService {
  constructor(private readonly uow: WorkspaceUnitOfWork) {}

  create(actor: Actor, workspaceId: string, dto: CreateBoardDto): Promise<BoardResponseDto> {
    const userId = principalUserId(actor);
    return this.uow.write(actor, { workspaceId }, 'member', async (s) => {
      const id = newId();
      await s.em.insert(BoardEntity, {
        id,
        workspaceId: s.workspaceId,
        name: dto.name,
        description: dto.description ?? '',
        createdBy: userId,
      });
      const board = await this.byId(s, id);
      const columns: ColumnRow[] = [];
      if (dto.defaultColumns !== false) {
        const keys = evenlySpacedKeys(DEFAULT_COLUMNS.length);
        for (const [i, name] of DEFAULT_COLUMNS.entries()) {
          const column = s.em.create(BoardColumnEntity, {
            id: newId(),
            workspaceId: s.workspaceId,
            boardId: id,
            name,
            position: keys[i],
            wipLimit: null,
            isDone: i === DEFAULT_COLUMNS.length - 1,
            inProgress: false,
          });
          await s.em.insert(BoardColumnEntity, column);
          columns.push(column);
        }
      }
      s.record(BoardEvents.created, id, diffChanges(null, board, BOARD_EVENT_FIELDS));
      for (const column of columns) {
        s.record(ColumnEvents.created, column.id, diffChanges(null, column, COLUMN_EVENT_FIELDS));
      }
      return toBoardResponse(board);
    });
  }

  list(
    actor: Actor,
    workspaceId: string,
    query: ListBoardsQueryDto,
  ): Promise<Page<BoardResponseDto>> {
    return this.uow.read(actor, { workspaceId }, 'viewer', (s) =>
      BoardList.fetch(
        s,
        {
          select: `SELECT ${BOARD_SELECT} FROM boards t`,
          where: `t.workspace_id = $1 AND t.archived_at IS ${query.archived ? 'NOT NULL' : 'NULL'}`,
          params: [s.workspaceId],
          cursor: query.cursor,
          limit: query.limit,
        },
        toBoardResponse,
      ),
    );
  }

  get(actor: Actor, boardId: string): Promise<BoardResponseDto> {
    return this.uow.read(actor, Boards.ref(boardId), 'viewer', async (s) => toBoardResponse(s.row));
  }

  update(
    actor: Actor,
    boardId: string,
    dto: UpdateBoardDto,
    ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.uow.write(actor, Boards.ref(boardId), 'member', async (s) => {
      const board = s.row;
      assertBoardWritable(board.archivedAt);
      const sent = sentFields(dto);
      const changes = diffChanges(board, { ...board, ...sent }, BOARD_EVENT_FIELDS);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(board.version, ifMatch);
        return toBoardResponse(board);
      }
      await updateVersioned(s.em, BoardEntity, boardId, board.version, ifMatch, sent);
      const after = await this.byId(s, boardId);
      s.record(BoardEvents.updated, boardId, changes);
      return toBoardResponse(after);
    });
  }

  /** Archive (read-only, hidden from the default list) or restore; repeating it changes nothing. */
  setArchived(
    actor: Actor,
    boardId: string,
    archived: boolean,
    ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.uow.write(actor, Boards.ref(boardId), 'member', async (s) => {
      const board = s.row;
      if ((board.archivedAt !== null) === archived) {
        checkIfMatch(board.version, ifMatch);
        return toBoardResponse(board);
      }
      const archivedAt = archived ? s.now() : null;
      await updateVersioned(s.em, BoardEntity, boardId, board.version, ifMatch, { archivedAt });
      const after = await this.byId(s, boardId);
      s.record(
        archived ? BoardEvents.archived : BoardEvents.restored,
        boardId,
        diffChanges(board, after, ['archivedAt']),
      );
      return toBoardResponse(after);
    });
  }

  /** Deletes the board with its columns, cards, labels and comments (admins). */
  async remove(actor: Actor, boardId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Boards.ref(boardId), 'admin', async (s) => {
      const board = s.row;
      await deleteVersioned(s.em, BoardEntity, boardId, board.version, ifMatch);
      s.record(BoardEvents.deleted, boardId, diffChanges(board, null, BOARD_EVENT_FIELDS));
    });
  }

  private async byId(s: WorkspaceScope<unknown>, id: string): Promise<BoardRow> {
    const [row] = await s.query<BoardRow>(
      `SELECT ${BOARD_SELECT} FROM boards t WHERE t.workspace_id = $1 AND t.id = $2`,
      [s.workspaceId, id],
    );
    return row;
  }
}

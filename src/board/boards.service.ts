import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges } from '../audit/changes.js';
import { principalUserId } from '../common/auth.decorators.js';
import { CursorCodec, paginate, type KeysetKey, type Page } from '../common/pagination.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, updateVersioned } from '../database/versioned-update.js';
import { WorkspaceAccess } from '../identity/workspace-access.service.js';
import { BoardAccess } from './board-access.service.js';
import { toBoardResponse } from './board.mappers.js';
import { COLUMN_FIELDS } from './columns.service.js';
import type {
  BoardResponseDto,
  CreateBoardDto,
  ListBoardsQueryDto,
  UpdateBoardDto,
} from './dto/board.dto.js';
import { BoardColumnEntity } from './entities/board-column.entity.js';
import { BoardEntity } from './entities/board.entity.js';
import { evenlySpacedKeys } from './ordering.js';
import { sentFields } from '../common/validators.js';
import { deleteVersioned } from '../database/versioned-update.js';

const BOARD_KEYS: KeysetKey<BoardEntity>[] = [
  { column: 'b.id', direction: 'ASC', value: (b) => b.id },
];
const BOARD_FIELDS = ['name', 'description', 'archivedAt'];

/** The columns a board gets unless created with `defaultColumns: false`; the last is "done". */
export const DEFAULT_COLUMNS = ['To do', 'Doing', 'Done'];

@Injectable()
export class BoardsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
    private readonly boards: BoardAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async create(
    principal: Principal,
    workspaceId: string,
    dto: CreateBoardDto,
  ): Promise<BoardResponseDto> {
    const userId = principalUserId(principal);
    return this.tx.run(async (em) => {
      await this.access.require(principal, workspaceId, 'member');
      const id = newId();
      await em.insert(BoardEntity, {
        id,
        workspaceId,
        name: dto.name,
        description: dto.description ?? '',
        createdBy: userId,
      });
      const board = await em.findOneByOrFail(BoardEntity, { id });
      const columns: BoardColumnEntity[] = [];
      if (dto.defaultColumns !== false) {
        const keys = evenlySpacedKeys(DEFAULT_COLUMNS.length);
        for (const [i, name] of DEFAULT_COLUMNS.entries()) {
          const column = em.create(BoardColumnEntity, {
            id: newId(),
            workspaceId,
            boardId: id,
            name,
            position: keys[i],
            wipLimit: null,
            isDone: i === DEFAULT_COLUMNS.length - 1,
          });
          await em.insert(BoardColumnEntity, column);
          columns.push(column);
        }
      }
      await this.audit.record(em, {
        workspaceId,
        action: 'board.created',
        entityType: 'board',
        entityId: id,
        changes: diffChanges(null, board, BOARD_FIELDS),
      });
      for (const column of columns) {
        await this.audit.record(em, {
          workspaceId,
          action: 'column.created',
          entityType: 'column',
          entityId: column.id,
          changes: diffChanges(null, column, COLUMN_FIELDS),
        });
      }
      return toBoardResponse(board);
    });
  }

  async list(
    principal: Principal,
    workspaceId: string,
    query: ListBoardsQueryDto,
  ): Promise<Page<BoardResponseDto>> {
    await this.access.require(principal, workspaceId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(BoardEntity, 'b')
      .where('b.workspace_id = :workspaceId', { workspaceId })
      .andWhere(query.archived ? 'b.archived_at IS NOT NULL' : 'b.archived_at IS NULL');
    return paginate(qb, query, BOARD_KEYS, this.cursors, toBoardResponse);
  }

  async get(principal: Principal, boardId: string): Promise<BoardResponseDto> {
    const { board } = await this.boards.board(this.tx.manager, principal, boardId, 'viewer');
    return toBoardResponse(board);
  }

  async update(
    principal: Principal,
    boardId: string,
    dto: UpdateBoardDto,
    ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.tx.run(async (em) => {
      const { board } = await this.boards.writableBoard(em, principal, boardId);
      const sent = sentFields(dto);
      const changes = diffChanges(board, { ...board, ...sent }, BOARD_FIELDS);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(board.version, ifMatch);
        return toBoardResponse(board);
      }
      await updateVersioned(em, BoardEntity, boardId, board.version, ifMatch, sent);
      const after = await em.findOneByOrFail(BoardEntity, { id: boardId });
      await this.record(em, after, 'board.updated', changes);
      return toBoardResponse(after);
    });
  }

  /** Archive (read-only, hidden from the default list) or restore; repeating it changes nothing. */
  async setArchived(
    principal: Principal,
    boardId: string,
    archived: boolean,
    ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.tx.run(async (em) => {
      const { board } = await this.boards.board(em, principal, boardId, 'member');
      if ((board.archivedAt !== null) === archived) {
        checkIfMatch(board.version, ifMatch);
        return toBoardResponse(board);
      }
      const archivedAt = archived ? new Date() : null;
      await updateVersioned(em, BoardEntity, boardId, board.version, ifMatch, { archivedAt });
      const after = await em.findOneByOrFail(BoardEntity, { id: boardId });
      await this.record(
        em,
        after,
        archived ? 'board.archived' : 'board.restored',
        diffChanges(board, after, ['archivedAt']),
      );
      return toBoardResponse(after);
    });
  }

  /** Deletes the board with its columns, cards, labels and comments (admins). */
  async remove(principal: Principal, boardId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      const { board } = await this.boards.board(em, principal, boardId, 'admin');
      await deleteVersioned(em, BoardEntity, boardId, board.version, ifMatch);
      await this.record(em, board, 'board.deleted', diffChanges(board, null, BOARD_FIELDS));
    });
  }

  private record(
    em: Parameters<AuditService['record']>[0],
    board: BoardEntity,
    action: string,
    changes: ReturnType<typeof diffChanges>,
  ) {
    return this.audit.record(em, {
      workspaceId: board.workspaceId,
      action,
      entityType: 'board',
      entityId: board.id,
      changes,
    });
  }
}

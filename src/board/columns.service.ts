import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges, type Changes } from '../audit/changes.js';
import { CursorCodec, paginate, type KeysetKey, type Page } from '../common/pagination.js';
import type { PageRequest } from '../common/pagination.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, updateVersioned } from '../database/versioned-update.js';
import { assertBoardWritable, BoardAccess } from './board-access.service.js';
import { BoardProblems } from './board.errors.js';
import { toColumnResponse } from './board.mappers.js';
import {
  boardArchivedAt,
  countActiveCards,
  countAllCards,
  lockBoard,
  lockColumn,
  neighbour,
  orderedCardIds,
  type LockedColumn,
} from './cards.queries.js';
import type {
  ColumnResponseDto,
  CreateColumnDto,
  DeleteColumnQueryDto,
  MoveColumnDto,
  UpdateColumnDto,
} from './dto/column.dto.js';
import { BoardColumnEntity } from './entities/board-column.entity.js';
import { keyForPlacement, keysAfter, rebalanced, type Placement } from './ordering.js';
import { sentFields } from '../common/validators.js';
import { deleteVersioned } from '../database/versioned-update.js';

export const COLUMN_FIELDS = ['name', 'position', 'wipLimit', 'isDone'];
/** Bounds the board's column walk in the card list (and a board's width on screen). */
export const MAX_COLUMNS_PER_BOARD = 50;

const COLUMN_KEYS: KeysetKey<BoardColumnEntity>[] = [
  { column: 'col.position', direction: 'ASC', value: (c) => c.position },
  { column: 'col.id', direction: 'ASC', value: (c) => c.id },
];

/**
 * Columns. Structural changes of a board (create, reorder, done column, delete) lock the board
 * row (`FOR NO KEY UPDATE`, which card inserts do not wait for), so they apply one at a time and
 * column keys stay unique.
 */
@Injectable()
export class ColumnsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly boards: BoardAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async create(
    principal: Principal,
    boardId: string,
    dto: CreateColumnDto,
  ): Promise<ColumnResponseDto> {
    return this.tx.run(async (em) => {
      const { board } = await this.boards.writableBoard(em, principal, boardId);
      await lockBoard(em, boardId);
      const columns = await this.columnsOf(em, board.workspaceId, boardId);
      if (columns.length >= MAX_COLUMNS_PER_BOARD) {
        throw BoardProblems.columnLimitReached(
          `The board already has ${columns.length} columns (at most ${MAX_COLUMNS_PER_BOARD}).`,
        );
      }
      const id = newId();
      const position = await this.keyFor(em, columns, id, placementOf(dto, columns));
      if (dto.isDone) await this.unsetDone(em, board.workspaceId, boardId, id);
      await em.insert(BoardColumnEntity, {
        id,
        workspaceId: board.workspaceId,
        boardId,
        name: dto.name,
        position,
        wipLimit: dto.wipLimit ?? null,
        isDone: dto.isDone ?? false,
      });
      const column = await em.findOneByOrFail(BoardColumnEntity, { id });
      await this.record(em, column, 'column.created', diffChanges(null, column, COLUMN_FIELDS));
      return toColumnResponse(column);
    });
  }

  async list(
    principal: Principal,
    boardId: string,
    page: PageRequest,
  ): Promise<Page<ColumnResponseDto>> {
    const { board } = await this.boards.board(this.tx.manager, principal, boardId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(BoardColumnEntity, 'col')
      .where('col.workspace_id = :workspaceId AND col.board_id = :boardId', {
        workspaceId: board.workspaceId,
        boardId,
      });
    return paginate(qb, page, COLUMN_KEYS, this.cursors, toColumnResponse);
  }

  async get(principal: Principal, columnId: string): Promise<ColumnResponseDto> {
    return toColumnResponse(
      await this.boards.column(this.tx.manager, principal, columnId, 'viewer'),
    );
  }

  async update(
    principal: Principal,
    columnId: string,
    dto: UpdateColumnDto,
    ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.tx.run(async (em) => {
      const column = await this.writableColumn(em, principal, columnId);
      const sent = sentFields(dto);
      const changes = diffChanges(column, { ...column, ...sent }, ['name', 'wipLimit', 'isDone']);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(column.version, ifMatch);
        return toColumnResponse(column);
      }
      await lockBoard(em, column.boardId);
      if (dto.isDone === true) {
        await this.unsetDone(em, column.workspaceId, column.boardId, column.id);
      }
      await updateVersioned(em, BoardColumnEntity, column.id, column.version, ifMatch, sent);
      if (dto.isDone === true && !column.isDone) await this.stampDoneTimes(em, column);
      const after = await em.findOneByOrFail(BoardColumnEntity, { id: columnId });
      await this.record(em, after, 'column.updated', changes);
      return toColumnResponse(after);
    });
  }

  async move(
    principal: Principal,
    columnId: string,
    dto: MoveColumnDto,
    ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.tx.run(async (em) => {
      const column = await this.writableColumn(em, principal, columnId);
      checkIfMatch(column.version, ifMatch);
      await lockBoard(em, column.boardId);
      const others = (await this.columnsOf(em, column.workspaceId, column.boardId)).filter(
        (c) => c.id !== column.id,
      );
      const placement = placementOf(dto, others);
      if (isAlreadyPlaced(others, column, placement)) return toColumnResponse(column);
      const position = await this.keyFor(em, others, column.id, placement);
      await updateVersioned(em, BoardColumnEntity, column.id, column.version, ifMatch, {
        position,
      });
      const after = await em.findOneByOrFail(BoardColumnEntity, { id: columnId });
      await this.record(em, after, 'column.moved', diffChanges(column, after, ['position']));
      return toColumnResponse(after);
    });
  }

  /**
   * Deletes an empty column; with `moveCardsTo`, first moves all its cards (archived ones too,
   * in their order) to the bottom of that column of the same board, within its WIP limit.
   */
  async remove(
    principal: Principal,
    columnId: string,
    query: DeleteColumnQueryDto,
    ifMatch?: number,
  ): Promise<void> {
    await this.tx.run(async (em) => {
      const column = await this.writableColumn(em, principal, columnId);
      checkIfMatch(column.version, ifMatch);
      await lockBoard(em, column.boardId);
      const source = await lockColumn(em, column.id);
      if (!source) throw BoardProblems.invalidPlacement('The column was deleted meanwhile.');
      const counts = await countAllCards(em, source);
      const changes: Changes = diffChanges(column, null, COLUMN_FIELDS);
      if (counts.all > 0) {
        if (!query.moveCardsTo) {
          throw BoardProblems.columnNotEmpty(
            `The column holds ${counts.all} card(s); pass moveCardsTo to move them first.`,
          );
        }
        const target = await this.lockTarget(em, source, query.moveCardsTo);
        if (target.wipLimit !== null && counts.active > 0) {
          const present = await countActiveCards(em, target);
          if (present + counts.active > target.wipLimit) {
            throw BoardProblems.wipLimitReached(
              `The target column holds ${present} of ${target.wipLimit} cards; ${counts.active} more do not fit.`,
            );
          }
        }
        await this.moveAllCards(em, source, target);
        changes.cardsMovedTo = { from: null, to: target.id };
        changes.cardsMoved = { from: null, to: counts.all };
      }
      await deleteVersioned(em, BoardColumnEntity, column.id, column.version, ifMatch);
      await this.record(em, column, 'column.deleted', changes);
    });
  }

  private async writableColumn(
    em: EntityManager,
    principal: Principal,
    columnId: string,
  ): Promise<BoardColumnEntity> {
    const column = await this.boards.column(em, principal, columnId, 'member');
    assertBoardWritable(await boardArchivedAt(em, column.workspaceId, column.boardId));
    return column;
  }

  private columnsOf(
    em: EntityManager,
    workspaceId: string,
    boardId: string,
  ): Promise<BoardColumnEntity[]> {
    return em
      .createQueryBuilder(BoardColumnEntity, 'col')
      .where('col.workspace_id = :workspaceId AND col.board_id = :boardId', {
        workspaceId,
        boardId,
      })
      .orderBy('col.position', 'ASC')
      .addOrderBy('col.id', 'ASC')
      .getMany();
  }

  /** The key for `id` at `placement` among `others`; rebalances the board's columns if needed. */
  private async keyFor(
    em: EntityManager,
    others: BoardColumnEntity[],
    id: string,
    placement: Placement,
  ): Promise<string> {
    const items = others.map((c) => ({ id: c.id, key: c.position }));
    const key = keyForPlacement(items, placement);
    if (key !== null) return key;
    const lowerId =
      placement.kind === 'after'
        ? placement.id
        : placement.kind === 'before'
          ? (items[items.findIndex((x) => x.id === placement.id) - 1]?.id ?? null)
          : placement.kind === 'top'
            ? null
            : (items[items.length - 1]?.id ?? null);
    const keys = rebalanced(
      items.map((x) => x.id),
      id,
      lowerId,
    );
    for (const { id: columnId, key: position } of keys) {
      if (columnId !== id) await em.update(BoardColumnEntity, { id: columnId }, { position });
    }
    return keys.find((k) => k.id === id)!.key;
  }

  /** Clears the done flag of the board's other column, if any (one done column per board). */
  private async unsetDone(
    em: EntityManager,
    workspaceId: string,
    boardId: string,
    exceptId: string,
  ): Promise<void> {
    const previous = await em.findOneBy(BoardColumnEntity, { workspaceId, boardId, isDone: true });
    if (!previous || previous.id === exceptId) return;
    await updateVersioned(em, BoardColumnEntity, previous.id, previous.version, undefined, {
      isDone: false,
    });
    await this.record(em, previous, 'column.updated', {
      isDone: { from: true, to: false },
    });
  }

  /**
   * A column that becomes the done column: its cards entered "done" when they entered it.
   * (Derived timestamps: card versions are not bumped.)
   */
  private async stampDoneTimes(em: EntityManager, column: BoardColumnEntity): Promise<void> {
    await em.query(
      `UPDATE cards SET done_first_at = COALESCE(done_first_at, column_entered_at),
                        done_last_at = column_entered_at
        WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
          AND done_last_at IS DISTINCT FROM column_entered_at`,
      [column.workspaceId, column.boardId, column.id],
    );
  }

  private async lockTarget(
    em: EntityManager,
    source: LockedColumn,
    targetId: string,
  ): Promise<LockedColumn> {
    const target = targetId === source.id ? undefined : await lockColumn(em, targetId);
    if (!target || target.workspaceId !== source.workspaceId || target.boardId !== source.boardId) {
      throw BoardProblems.invalidPlacement('moveCardsTo must be another column of this board.', {
        errors: [{ field: 'moveCardsTo', message: 'is not another column of this board' }],
      });
    }
    return target;
  }

  /** All cards of `source`, in order, to the bottom of `target`: one statement. */
  private async moveAllCards(
    em: EntityManager,
    source: LockedColumn,
    target: LockedColumn,
  ): Promise<void> {
    const ids = await orderedCardIds(em, source);
    const last = await neighbour(em, target, 'previous', null, null);
    const keys = keysAfter(last?.position ?? null, ids.length);
    await em.query(
      `UPDATE cards c
          SET column_id = $4, position = v.position, column_entered_at = now(),
              done_first_at = CASE WHEN $7 THEN COALESCE(c.done_first_at, now()) ELSE c.done_first_at END,
              done_last_at = CASE WHEN $7 THEN now() ELSE c.done_last_at END
         FROM unnest($5::uuid[], $6::text[]) AS v(id, position)
        WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = $3 AND c.id = v.id`,
      [source.workspaceId, source.boardId, source.id, target.id, ids, keys, target.isDone],
    );
  }

  private record(em: EntityManager, column: BoardColumnEntity, action: string, changes: Changes) {
    return this.audit.record(em, {
      workspaceId: column.workspaceId,
      action,
      entityType: 'column',
      entityId: column.id,
      changes,
    });
  }
}

/** The placement a request asks for among `columns` (422 for a neighbour that is not there). */
function placementOf(
  dto: { afterColumnId?: string; beforeColumnId?: string },
  columns: BoardColumnEntity[],
): Placement {
  const index = (id: string, field: string): number => {
    const i = columns.findIndex((c) => c.id === id);
    if (i < 0) {
      throw BoardProblems.invalidPlacement(`${field} is not another column of this board.`, {
        errors: [{ field, message: 'is not another column of this board' }],
      });
    }
    return i;
  };
  if (dto.afterColumnId) {
    const after = index(dto.afterColumnId, 'afterColumnId');
    if (dto.beforeColumnId && index(dto.beforeColumnId, 'beforeColumnId') <= after) {
      throw BoardProblems.invalidPlacement('afterColumnId must come before beforeColumnId.', {
        errors: [{ field: 'beforeColumnId', message: 'must come after afterColumnId' }],
      });
    }
    return { kind: 'after', id: dto.afterColumnId };
  }
  if (dto.beforeColumnId) {
    index(dto.beforeColumnId, 'beforeColumnId');
    return { kind: 'before', id: dto.beforeColumnId };
  }
  return { kind: 'bottom' };
}

/** True when `column` already sits where `placement` among `others` would put it. */
function isAlreadyPlaced(
  others: BoardColumnEntity[],
  column: BoardColumnEntity,
  placement: Placement,
): boolean {
  const below = others.filter((c) => before(c, column));
  const i = below.length; // the index `column` has among `others`
  switch (placement.kind) {
    case 'bottom':
      return i === others.length;
    case 'top':
      return i === 0;
    case 'after':
      return others[i - 1]?.id === placement.id;
    case 'before':
      return others[i]?.id === placement.id;
  }
}

const before = (a: { position: string; id: string }, b: { position: string; id: string }) =>
  a.position < b.position || (a.position === b.position && a.id < b.id);

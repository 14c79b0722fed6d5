import { Injectable } from '@nestjs/common';
import type { Page, PageRequest } from '../common/pagination.js';
import { sentFields } from '../common/validators.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import {
  defineKeyset,
  diffChanges,
  WorkspaceUnitOfWork,
  type Actor,
  type Changes,
  type WorkspaceScope,
} from '../kernel/index.js';
import { BoardProblems } from './board.errors.js';
import { ColumnEvents } from './board.events.js';
import { toColumnResponse } from './board.mappers.js';
import {
  assertBoardWritable,
  Boards,
  COLUMN_FIELDS,
  Columns,
  onWritableBoard,
  selectList,
  type ColumnRow,
} from './board.tables.js';
import {
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

type Scope = WorkspaceScope<unknown>;

export const COLUMN_EVENT_FIELDS = ['name', 'position', 'wipLimit', 'isDone', 'inProgress'];
/** Bounds the board's column walk in the card list (and a board's width on screen). */
export const MAX_COLUMNS_PER_BOARD = 50;

const COLUMN_SELECT = selectList('t', COLUMN_FIELDS);

/** A board's columns in board order. */
export const ColumnList = defineKeyset<ColumnRow>('columns.list', [
  { column: 't.position', direction: 'ASC', type: 'text', value: (c) => c.position },
  { column: 't.id', direction: 'ASC', type: 'uuid', value: (c) => c.id },
]);

/**
 * Columns. Structural changes of a board (create, reorder, done column, delete) lock the board
 * row (`FOR NO KEY UPDATE`, which card inserts do not wait for), so they apply one at a time and
 * column keys stay unique.
 */
@Injectable()
export class ColumnsService {
  constructor(private readonly uow: WorkspaceUnitOfWork) {}

  create(actor: Actor, boardId: string, dto: CreateColumnDto): Promise<ColumnResponseDto> {
    return this.uow.write(actor, Boards.ref(boardId), 'member', async (s) => {
      assertBoardWritable(s.row.archivedAt);
      await lockBoard(s, boardId);
      const columns = await this.columnsOf(s, boardId);
      if (columns.length >= MAX_COLUMNS_PER_BOARD) {
        throw BoardProblems.columnLimitReached(
          `The board already has ${columns.length} columns (at most ${MAX_COLUMNS_PER_BOARD}).`,
        );
      }
      const id = newId();
      const position = await this.keyFor(s, columns, id, placementOf(dto, columns));
      if (dto.isDone) await this.unsetDone(s, boardId, id);
      await s.em.insert(BoardColumnEntity, {
        id,
        workspaceId: s.workspaceId,
        boardId,
        name: dto.name,
        position,
        wipLimit: dto.wipLimit ?? null,
        isDone: dto.isDone ?? false,
        inProgress: dto.inProgress ?? false,
      });
      const column = await this.byId(s, id);
      s.record(ColumnEvents.created, id, diffChanges(null, column, COLUMN_EVENT_FIELDS));
      return toColumnResponse(column);
    });
  }

  list(actor: Actor, boardId: string, page: PageRequest): Promise<Page<ColumnResponseDto>> {
    return this.uow.read(actor, Boards.ref(boardId), 'viewer', (s) =>
      ColumnList.fetch(
        s,
        {
          select: `SELECT ${COLUMN_SELECT} FROM board_columns t`,
          where: 't.workspace_id = $1 AND t.board_id = $2',
          params: [s.workspaceId, boardId],
          ...page,
        },
        toColumnResponse,
      ),
    );
  }

  get(actor: Actor, columnId: string): Promise<ColumnResponseDto> {
    return this.uow.read(actor, Columns.ref(columnId), 'viewer', async (s) =>
      toColumnResponse(s.row),
    );
  }

  update(
    actor: Actor,
    columnId: string,
    dto: UpdateColumnDto,
    ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.uow.write(actor, Columns.ref(columnId), 'member', async (s) => {
      const column = onWritableBoard(s.row);
      const sent = sentFields(dto);
      const changes = diffChanges(column, { ...column, ...sent }, [
        'name',
        'wipLimit',
        'isDone',
        'inProgress',
      ]);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(column.version, ifMatch);
        return toColumnResponse(column);
      }
      await lockBoard(s, column.boardId);
      if (dto.isDone === true) await this.unsetDone(s, column.boardId, column.id);
      await updateVersioned(s.em, BoardColumnEntity, column.id, column.version, ifMatch, sent);
      if (dto.isDone === true && !column.isDone) await this.stampDoneTimes(s, column);
      const after = await this.byId(s, columnId);
      s.record(ColumnEvents.updated, columnId, changes);
      return toColumnResponse(after);
    });
  }

  move(
    actor: Actor,
    columnId: string,
    dto: MoveColumnDto,
    ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.uow.write(actor, Columns.ref(columnId), 'member', async (s) => {
      const column = onWritableBoard(s.row);
      checkIfMatch(column.version, ifMatch);
      await lockBoard(s, column.boardId);
      const others = (await this.columnsOf(s, column.boardId)).filter((c) => c.id !== column.id);
      const placement = placementOf(dto, others);
      if (isAlreadyPlaced(others, column, placement)) return toColumnResponse(column);
      const position = await this.keyFor(s, others, column.id, placement);
      await updateVersioned(s.em, BoardColumnEntity, column.id, column.version, ifMatch, {
        position,
      });
      const after = await this.byId(s, columnId);
      s.record(ColumnEvents.moved, columnId, diffChanges(column, after, ['position']));
      return toColumnResponse(after);
    });
  }

  /**
   * Deletes an empty column; with `moveCardsTo`, first moves all its cards (archived ones too,
   * in their order) to the bottom of that column of the same board, within its WIP limit.
   */
  async remove(
    actor: Actor,
    columnId: string,
    query: DeleteColumnQueryDto,
    ifMatch?: number,
  ): Promise<void> {
    await this.uow.write(actor, Columns.ref(columnId), 'member', async (s) => {
      const column = onWritableBoard(s.row);
      checkIfMatch(column.version, ifMatch);
      await lockBoard(s, column.boardId);
      const source = await lockColumn(s, column.id);
      if (!source) throw BoardProblems.invalidPlacement('The column was deleted meanwhile.');
      const counts = await countAllCards(s, source);
      const changes: Changes = diffChanges(column, null, COLUMN_EVENT_FIELDS);
      if (counts.all > 0) {
        if (!query.moveCardsTo) {
          throw BoardProblems.columnNotEmpty(
            `The column holds ${counts.all} card(s); pass moveCardsTo to move them first.`,
          );
        }
        const target = await this.lockTarget(s, source, query.moveCardsTo);
        if (target.wipLimit !== null && counts.active > 0) {
          const present = await countActiveCards(s, target);
          if (present + counts.active > target.wipLimit) {
            throw BoardProblems.wipLimitReached(
              `The target column holds ${present} of ${target.wipLimit} cards; ${counts.active} more do not fit.`,
            );
          }
        }
        await this.moveAllCards(s, source, target);
        changes.cardsMovedTo = { from: null, to: target.id };
        changes.cardsMoved = { from: null, to: counts.all };
      }
      await deleteVersioned(s.em, BoardColumnEntity, column.id, column.version, ifMatch);
      s.record(ColumnEvents.deleted, columnId, changes);
    });
  }

  private async byId(s: Scope, id: string): Promise<ColumnRow> {
    const [row] = await s.query<ColumnRow>(
      `SELECT ${COLUMN_SELECT} FROM board_columns t WHERE t.workspace_id = $1 AND t.id = $2`,
      [s.workspaceId, id],
    );
    return row;
  }

  private columnsOf(s: Scope, boardId: string): Promise<ColumnRow[]> {
    return s.query<ColumnRow>(
      `SELECT ${COLUMN_SELECT} FROM board_columns t
        WHERE t.workspace_id = $1 AND t.board_id = $2 ORDER BY t.position, t.id`,
      [s.workspaceId, boardId],
    );
  }

  /**
   * The key for `id` at `placement` among `others` (read under the board's lock); re-spaces the
   * board's columns if needed.
   */
  private async keyFor(
    s: Scope,
    others: ColumnRow[],
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
    // Each re-spaced column is moved like any other (new version, a column.moved event): the
    // dashboard's copy of the board order and webhook subscribers follow, and an If-Match on
    // its old version no longer matches. The board is locked, so the versions read are current.
    for (const { id: columnId, key: position } of keys) {
      const column = others.find((c) => c.id === columnId);
      if (!column || column.position === position) continue;
      await updateVersioned(s.em, BoardColumnEntity, column.id, column.version, undefined, {
        position,
      });
      s.record(ColumnEvents.moved, column.id, {
        position: { from: column.position, to: position },
      });
    }
    return keys.find((k) => k.id === id)!.key;
  }

  /** Clears the done flag of the board's other column, if any (one done column per board). */
  private async unsetDone(s: Scope, boardId: string, exceptId: string): Promise<void> {
    const [previous] = await s.query<ColumnRow>(
      `SELECT ${COLUMN_SELECT} FROM board_columns t
        WHERE t.workspace_id = $1 AND t.board_id = $2 AND t.is_done`,
      [s.workspaceId, boardId],
    );
    if (!previous || previous.id === exceptId) return;
    await updateVersioned(s.em, BoardColumnEntity, previous.id, previous.version, undefined, {
      isDone: false,
    });
    s.record(ColumnEvents.updated, previous.id, { isDone: { from: true, to: false } });
  }

  /**
   * A column that becomes the done column: its cards entered "done" when they entered it.
   * (Derived timestamps: card versions are not bumped.)
   */
  private async stampDoneTimes(s: Scope, column: ColumnRow): Promise<void> {
    await s.query(
      `UPDATE cards SET done_first_at = COALESCE(done_first_at, column_entered_at),
                        done_last_at = column_entered_at
        WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
          AND done_last_at IS DISTINCT FROM column_entered_at`,
      [s.workspaceId, column.boardId, column.id],
    );
  }

  private async lockTarget(
    s: Scope,
    source: LockedColumn,
    targetId: string,
  ): Promise<LockedColumn> {
    const target = targetId === source.id ? undefined : await lockColumn(s, targetId);
    if (!target || target.boardId !== source.boardId) {
      throw BoardProblems.invalidPlacement('moveCardsTo must be another column of this board.', {
        errors: [{ field: 'moveCardsTo', message: 'is not another column of this board' }],
      });
    }
    return target;
  }

  /** All cards of `source`, in order, to the bottom of `target`: one statement. */
  private async moveAllCards(s: Scope, source: LockedColumn, target: LockedColumn): Promise<void> {
    const ids = await orderedCardIds(s, source);
    const last = await neighbour(s, target, 'previous', null, null);
    const keys = keysAfter(last?.position ?? null, ids.length);
    await s.query(
      `UPDATE cards c
          SET column_id = $4, position = v.position, column_entered_at = now(),
              done_first_at = CASE WHEN $7 THEN COALESCE(c.done_first_at, now()) ELSE c.done_first_at END,
              done_last_at = CASE WHEN $7 THEN now() ELSE c.done_last_at END
         FROM unnest($5::uuid[], $6::text[]) AS v(id, position)
        WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = $3 AND c.id = v.id`,
      [s.workspaceId, source.boardId, source.id, target.id, ids, keys, target.isDone],
    );
  }
}

/** The placement a request asks for among `columns` (422 for a neighbour that is not there). */
function placementOf(
  dto: { afterColumnId?: string; beforeColumnId?: string },
  columns: ColumnRow[],
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
function isAlreadyPlaced(others: ColumnRow[], column: ColumnRow, placement: Placement): boolean {
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

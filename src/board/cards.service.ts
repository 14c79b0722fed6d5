import { Injectable } from '@nestjs/common';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges, type Changes } from '../audit/changes.js';
import { principalUserId } from '../common/auth.decorators.js';
import {
  CursorCodec,
  listBinding,
  DEFAULT_PAGE_SIZE,
  toPage,
  type KeysetKey,
  type Page,
} from '../common/pagination.js';
import { CommonProblems, type FieldError } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, updateVersioned } from '../database/versioned-update.js';
import { assertBoardWritable, BoardAccess } from './board-access.service.js';
import { BoardProblems } from './board.errors.js';
import { toCardResponse, toCardSummary } from './board.mappers.js';
import {
  countActiveCards,
  findCard,
  insertCard,
  keyedCards,
  listCardPage,
  lockColumn,
  moveCardRow,
  neighbour,
  orderedCardIds,
  writeCardKeys,
  type CardCursor,
  type CardRow,
  type CardSummaryRow,
  type KeyedCard,
  type LockedColumn,
} from './cards.queries.js';
import type {
  CardResponseDto,
  CardSummaryResponseDto,
  ChecklistItemDto,
  CreateCardDto,
  ListCardsQueryDto,
  MoveCardDto,
  UpdateCardDto,
} from './dto/card.dto.js';
import { CardAssigneeEntity } from './entities/card-assignee.entity.js';
import { CardLabelEntity } from './entities/card-label.entity.js';
import { CardEntity, type ChecklistItem } from './entities/card.entity.js';
import { keyBetween, rebalanced } from './ordering.js';
import { deleteVersioned } from '../database/versioned-update.js';

/** The fields of a card that its audit events show. */
const CARD_FIELDS = [
  'title',
  'description',
  'columnId',
  'position',
  'labelIds',
  'assigneeIds',
  'dueAt',
  'checklist',
  'archivedAt',
];
const EDITABLE_FIELDS = ['title', 'description', 'labelIds', 'assigneeIds', 'dueAt', 'checklist'];

/** The list's sort keys; the SQL lives in `listCardPage`, only the values are read here. */
const LIST_KEYS: KeysetKey<CardSummaryRow>[] = [
  { column: 'col.position', direction: 'ASC', value: (r) => r.columnPosition },
  { column: 'col.id', direction: 'ASC', value: (r) => r.columnId },
  { column: 'c.position', direction: 'ASC', value: (r) => r.position },
  { column: 'c.id', direction: 'ASC', value: (r) => r.id },
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface PlacementRequest {
  afterCardId?: string;
  beforeCardId?: string;
  placement?: 'top' | 'bottom';
}

/** Where a card goes: its key, the other cards' new keys if the column was rebalanced. */
interface Placed {
  key: string;
  rebalancedKeys: Array<{ id: string; key: string }> | null;
}

/**
 * Cards. Everything that puts a card into a column (create, move, restore) first locks that
 * column's row, then checks its WIP limit and reads the neighbours' keys: so concurrent writers
 * into one column apply one at a time, a WIP limit holds under concurrency, and keys in a column
 * stay unique. A move or create writes only the card's own row, unless the new key would exceed
 * the length threshold: then the column is rebalanced in the same transaction.
 */
@Injectable()
export class CardsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly boards: BoardAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async create(
    principal: Principal,
    boardId: string,
    dto: CreateCardDto,
  ): Promise<CardResponseDto> {
    const userId = principalUserId(principal);
    return this.tx.run(async (em) => {
      const { board } = await this.boards.writableBoard(em, principal, boardId);
      const labelIds = sortedIds(dto.labelIds);
      const assigneeIds = sortedIds(dto.assigneeIds);
      await this.validateSets(em, board.workspaceId, board.id, labelIds, assigneeIds);
      const columnId = dto.columnId ?? (await this.firstColumnId(em, board.workspaceId, boardId));
      const column = await this.lockTargetColumn(em, board.workspaceId, boardId, columnId);
      await this.assertRoom(em, column);
      const id = newId();
      const placed = await this.place(em, column, { id, columnId: null, position: null }, dto);
      // A new card is never "already placed".
      if (placed === 'unchanged') throw new Error('placement of a new card cannot be unchanged');
      await this.applyRebalance(em, column, placed);
      const inserted = await insertCard(em, {
        id,
        workspaceId: board.workspaceId,
        boardId,
        columnId: column.id,
        position: placed.key,
        title: dto.title,
        description: dto.description ?? '',
        dueAt: dto.dueAt ? new Date(dto.dueAt) : null,
        checklist: checklistOf(dto.checklist) ?? [],
        createdBy: userId,
        done: column.isDone,
      });
      await this.writeSets(
        em,
        { workspaceId: board.workspaceId, boardId, cardId: id },
        labelIds,
        assigneeIds,
        [],
        [],
      );
      const card: CardRow = { ...inserted, labelIds, assigneeIds };
      await this.record(em, card, 'card.created', diffChanges(null, card, CARD_FIELDS));
      return toCardResponse(card);
    });
  }

  async list(
    principal: Principal,
    boardId: string,
    query: ListCardsQueryDto,
  ): Promise<Page<CardSummaryResponseDto>> {
    const em = this.tx.manager;
    const { board } = await this.boards.board(em, principal, boardId, 'viewer');
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = query.cursor ? this.decodeCursor(query.cursor) : null;
    const rows = await listCardPage(
      em,
      {
        workspaceId: board.workspaceId,
        boardId,
        columnId: query.columnId,
        labelId: query.labelId,
        assigneeId: query.assigneeId,
        dueBefore: query.dueBefore ? new Date(query.dueBefore) : undefined,
        dueAfter: query.dueAfter ? new Date(query.dueAfter) : undefined,
        archived: query.archived ?? false,
        q: query.q,
      },
      cursor,
      limit,
    );
    return toPage(rows, limit, LIST_KEYS, this.cursors, toCardSummary);
  }

  async get(principal: Principal, cardId: string): Promise<CardResponseDto> {
    const { card } = await this.boards.card(this.tx.manager, principal, cardId, 'viewer');
    return toCardResponse(card);
  }

  async update(
    principal: Principal,
    cardId: string,
    dto: UpdateCardDto,
    ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.tx.run(async (em) => {
      const card = await this.writableCard(em, principal, cardId);
      const next: CardRow = {
        ...card,
        title: dto.title ?? card.title,
        description: dto.description ?? card.description,
        labelIds: dto.labelIds ? sortedIds(dto.labelIds) : card.labelIds,
        assigneeIds: dto.assigneeIds ? sortedIds(dto.assigneeIds) : card.assigneeIds,
        dueAt:
          dto.dueAt === undefined ? card.dueAt : dto.dueAt === null ? null : new Date(dto.dueAt),
        checklist: checklistOf(dto.checklist) ?? card.checklist,
      };
      const changes = diffChanges(card, next, EDITABLE_FIELDS);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(card.version, ifMatch);
        return toCardResponse(card);
      }
      const added = (now: string[], was: string[]) => now.filter((id) => !was.includes(id));
      await this.validateSets(
        em,
        card.workspaceId,
        card.boardId,
        added(next.labelIds, card.labelIds),
        added(next.assigneeIds, card.assigneeIds),
      );
      await updateVersioned(em, CardEntity, card.id, card.version, ifMatch, {
        title: next.title,
        description: next.description,
        dueAt: next.dueAt,
        checklist: next.checklist,
      });
      await this.writeSets(
        em,
        { workspaceId: card.workspaceId, boardId: card.boardId, cardId: card.id },
        added(next.labelIds, card.labelIds),
        added(next.assigneeIds, card.assigneeIds),
        added(card.labelIds, next.labelIds),
        added(card.assigneeIds, next.assigneeIds),
      );
      const after = (await findCard(em, card.id))!;
      await this.record(em, after, 'card.updated', changes);
      return toCardResponse(after);
    });
  }

  /**
   * `POST /v1/cards/{id}/move`: into `columnId` (of the same board), right after `afterCardId`,
   * right before `beforeCardId`, or at the top/bottom (default bottom). Entering a column checks
   * its WIP limit under the column lock and stamps the time-in-column fields.
   */
  async move(
    principal: Principal,
    cardId: string,
    dto: MoveCardDto,
    ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.tx.run(async (em) => {
      const card = await this.writableCard(em, principal, cardId);
      if (card.archivedAt) throw BoardProblems.cardArchived();
      checkIfMatch(card.version, ifMatch);
      const column = await this.lockTargetColumn(em, card.workspaceId, card.boardId, dto.columnId);
      const entering = column.id !== card.columnId;
      if (entering) await this.assertRoom(em, column);
      const placed = await this.place(em, column, card, dto);
      if (placed === 'unchanged') {
        // Read again under the lock: the answer must not be a version a concurrent move replaced.
        const current = (await findCard(em, card.id))!;
        if (current.version !== card.version) throw CommonProblems.concurrentModification();
        return toCardResponse(current);
      }
      await this.applyRebalance(em, column, placed);
      // updateVersioned + findCard in one statement (checkIfMatch ran above).
      const after = await moveCardRow(em, card, {
        columnId: column.id,
        position: placed.key,
        entering,
        isDone: column.isDone,
      });
      if (!after) {
        throw ifMatch !== undefined
          ? CommonProblems.preconditionFailed('The resource was changed by another request.')
          : CommonProblems.concurrentModification();
      }
      await this.record(
        em,
        after,
        'card.moved',
        diffChanges(card, after, ['columnId', 'position']),
      );
      return toCardResponse(after);
    });
  }

  /** Archive (frees a WIP slot, hidden from the default list) or restore (needs a free slot). */
  async setArchived(
    principal: Principal,
    cardId: string,
    archived: boolean,
    ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.tx.run(async (em) => {
      const card = await this.writableCard(em, principal, cardId);
      if ((card.archivedAt !== null) === archived) {
        checkIfMatch(card.version, ifMatch);
        return toCardResponse(card);
      }
      checkIfMatch(card.version, ifMatch);
      if (!archived) {
        const column = await lockColumn(em, card.columnId);
        await this.assertRoom(em, column!);
      }
      await updateVersioned(em, CardEntity, card.id, card.version, ifMatch, {
        archivedAt: archived ? () => 'now()' : null,
      });
      const after = (await findCard(em, card.id))!;
      await this.record(
        em,
        after,
        archived ? 'card.archived' : 'card.restored',
        diffChanges(card, after, ['archivedAt']),
      );
      return toCardResponse(after);
    });
  }

  /** Hard delete (labels, assignees, comments and other modules' links go with it). */
  async remove(principal: Principal, cardId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      const card = await this.writableCard(em, principal, cardId);
      await deleteVersioned(em, CardEntity, card.id, card.version, ifMatch);
      await this.record(em, card, 'card.deleted', diffChanges(card, null, CARD_FIELDS));
    });
  }

  private async writableCard(
    em: EntityManager,
    principal: Principal,
    cardId: string,
  ): Promise<CardRow> {
    const { card, boardArchivedAt } = await this.boards.card(em, principal, cardId, 'member');
    assertBoardWritable(boardArchivedAt);
    return card;
  }

  private async firstColumnId(
    em: EntityManager,
    workspaceId: string,
    boardId: string,
  ): Promise<string> {
    const [row] = (await em.query(
      `SELECT id FROM board_columns WHERE workspace_id = $1 AND board_id = $2
        ORDER BY position, id LIMIT 1`,
      [workspaceId, boardId],
    )) as Array<{ id: string }>;
    if (!row) {
      throw CommonProblems.validationFailed('The board has no columns; create one first.', {
        errors: [{ field: 'columnId', message: 'the board has no columns' }],
      });
    }
    return row.id;
  }

  /** Locks the target column; it must be a column of the card's board (422 otherwise). */
  private async lockTargetColumn(
    em: EntityManager,
    workspaceId: string,
    boardId: string,
    columnId: string,
  ): Promise<LockedColumn> {
    const column = await lockColumn(em, columnId);
    if (!column || column.workspaceId !== workspaceId || column.boardId !== boardId) {
      throw BoardProblems.invalidPlacement('columnId is not a column of this board.', {
        errors: [{ field: 'columnId', message: 'is not a column of this board' }],
      });
    }
    assertBoardWritable(column.boardArchivedAt);
    return column;
  }

  /** 409 when a card entering the (locked) column would exceed its WIP limit. */
  private async assertRoom(em: EntityManager, column: LockedColumn): Promise<void> {
    if (column.wipLimit === null) return;
    const present = await countActiveCards(em, column);
    if (present >= column.wipLimit) {
      throw BoardProblems.wipLimitReached(
        `The column holds ${present} of ${column.wipLimit} cards.`,
        { columnId: column.id, wipLimit: column.wipLimit },
      );
    }
  }

  /**
   * The key for `card` at the requested place in the locked `column`, by reading at most the
   * two neighbours. 'unchanged' when the card is already there.
   */
  private async place(
    em: EntityManager,
    column: LockedColumn,
    card: { id: string; columnId: string | null; position: string | null },
    request: PlacementRequest,
  ): Promise<Placed | 'unchanged'> {
    if (request.placement && (request.afterCardId || request.beforeCardId)) {
      throw BoardProblems.invalidPlacement('Give placement or neighbours, not both.', {
        errors: [
          { field: 'placement', message: 'cannot be combined with afterCardId/beforeCardId' },
        ],
      });
    }
    const anchors = await keyedCards(
      em,
      column.workspaceId,
      [request.afterCardId, request.beforeCardId].filter((x): x is string => Boolean(x)),
    );
    const anchor = (id: string | undefined, field: string): KeyedCard | null => {
      if (!id) return null;
      const found = anchors.get(id);
      if (
        !found ||
        found.id === card.id ||
        found.boardId !== column.boardId ||
        found.columnId !== column.id
      ) {
        throw BoardProblems.invalidPlacement(`${field} is not another card of the target column.`, {
          errors: [{ field, message: 'is not another card of the target column' }],
        });
      }
      return found;
    };
    const after = anchor(request.afterCardId, 'afterCardId');
    const before = anchor(request.beforeCardId, 'beforeCardId');
    let lower: KeyedCard | null;
    let upper: KeyedCard | null;
    if (after) {
      if (before && !precedes(after, before)) {
        throw BoardProblems.invalidPlacement('afterCardId must come before beforeCardId.', {
          errors: [{ field: 'beforeCardId', message: 'must come after afterCardId' }],
        });
      }
      lower = after;
      upper = await neighbour(em, column, 'next', after, card.id);
    } else if (before) {
      upper = before;
      lower = await neighbour(em, column, 'previous', before, card.id);
    } else if (request.placement === 'top') {
      lower = null;
      upper = await neighbour(em, column, 'next', null, card.id);
    } else {
      lower = await neighbour(em, column, 'previous', null, card.id);
      upper = null;
    }
    if (card.columnId === column.id && card.position !== null) {
      const self = { id: card.id, position: card.position };
      if ((!lower || precedes(lower, self)) && (!upper || precedes(self, upper))) {
        return 'unchanged';
      }
    }
    const key = keyBetween(lower?.position ?? null, upper?.position ?? null);
    if (key !== null) return { key, rebalancedKeys: null };
    const keys = rebalanced(await orderedCardIds(em, column), card.id, lower?.id ?? null);
    return {
      key: keys.find((k) => k.id === card.id)!.key,
      rebalancedKeys: keys.filter((k) => k.id !== card.id),
    };
  }

  private async applyRebalance(
    em: EntityManager,
    column: LockedColumn,
    placed: Placed,
  ): Promise<void> {
    if (!placed.rebalancedKeys) return;
    await writeCardKeys(em, column, placed.rebalancedKeys);
    await this.audit.record(em, {
      workspaceId: column.workspaceId,
      action: 'column.rebalanced',
      entityType: 'column',
      entityId: column.id,
      changes: { cardKeysRewritten: { from: null, to: placed.rebalancedKeys.length } },
    });
  }

  /** 422 for labels not of this board and assignees not members of the workspace. */
  private async validateSets(
    em: EntityManager,
    workspaceId: string,
    boardId: string,
    labelIds: string[],
    assigneeIds: string[],
  ): Promise<void> {
    const errors: FieldError[] = [];
    if (labelIds.length > 0) {
      const rows = (await em.query(
        'SELECT id FROM board_labels WHERE workspace_id = $1 AND board_id = $2 AND id = ANY($3::uuid[])',
        [workspaceId, boardId, labelIds],
      )) as Array<{ id: string }>;
      const found = new Set(rows.map((r) => r.id));
      const missing = labelIds.filter((id) => !found.has(id));
      if (missing.length > 0) {
        errors.push({
          field: 'labelIds',
          message: `not labels of this board: ${missing.join(', ')}`,
        });
      }
    }
    if (assigneeIds.length > 0) {
      const outsiders = await this.boards.nonMembers(workspaceId, assigneeIds);
      if (outsiders.length > 0) {
        errors.push({
          field: 'assigneeIds',
          message: `not members of the workspace: ${outsiders.join(', ')}`,
        });
      }
    }
    if (errors.length > 0) {
      throw CommonProblems.validationFailed(
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        {
          errors,
        },
      );
    }
  }

  /**
   * Adds and removes label and assignee rows. A label deleted or a member removed between the
   * validation and this insert fails its foreign key: answered as the same 422.
   */
  private async writeSets(
    em: EntityManager,
    card: { workspaceId: string; boardId: string; cardId: string },
    addLabels: string[],
    addAssignees: string[],
    removeLabels: string[],
    removeAssignees: string[],
  ): Promise<void> {
    const { workspaceId, boardId, cardId } = card;
    if (removeLabels.length > 0) {
      await em.query(
        `DELETE FROM card_labels WHERE workspace_id = $1 AND board_id = $2 AND card_id = $3
            AND label_id = ANY($4::uuid[])`,
        [workspaceId, boardId, cardId, removeLabels],
      );
    }
    if (removeAssignees.length > 0) {
      await em.query(
        `DELETE FROM card_assignees WHERE workspace_id = $1 AND board_id = $2 AND card_id = $3
            AND user_id = ANY($4::uuid[])`,
        [workspaceId, boardId, cardId, removeAssignees],
      );
    }
    try {
      if (addLabels.length > 0) {
        await em.insert(
          CardLabelEntity,
          addLabels.map((labelId) => ({ workspaceId, boardId, cardId, labelId })),
        );
      }
      if (addAssignees.length > 0) {
        await em.insert(
          CardAssigneeEntity,
          addAssignees.map((userId) => ({ workspaceId, boardId, cardId, userId })),
        );
      }
    } catch (err) {
      const constraint = foreignKeyViolated(err);
      if (constraint === 'fk_card_labels_label') {
        throw CommonProblems.validationFailed('labelIds: a label was deleted meanwhile', {
          errors: [{ field: 'labelIds', message: 'a label was deleted meanwhile' }],
        });
      }
      if (constraint === 'fk_card_assignees_member') {
        throw CommonProblems.validationFailed('assigneeIds: a member was removed meanwhile', {
          errors: [{ field: 'assigneeIds', message: 'a member was removed meanwhile' }],
        });
      }
      throw err;
    }
  }

  private decodeCursor(cursor: string): CardCursor {
    const values = this.cursors.decode(cursor, LIST_KEYS.length, listBinding(LIST_KEYS));
    if (
      !values.every((v) => typeof v === 'string') ||
      !UUID.test(values[1] as string) ||
      !UUID.test(values[3] as string)
    ) {
      throw CommonProblems.invalidCursor();
    }
    return values as CardCursor;
  }

  private record(em: EntityManager, card: CardRow, action: string, changes: Changes) {
    return this.audit.record(em, {
      workspaceId: card.workspaceId,
      action,
      entityType: 'card',
      entityId: card.id,
      changes,
    });
  }
}

const sortedIds = (ids: string[] | undefined): string[] => [...(ids ?? [])].sort();

const checklistOf = (items: ChecklistItemDto[] | undefined): ChecklistItem[] | undefined =>
  items?.map((item) => ({ text: item.text, done: item.done ?? false }));

/** (position, id) order, as the database sorts (collation "C" = JavaScript's `<` on ASCII). */
const precedes = (a: { position: string; id: string }, b: { position: string; id: string }) =>
  a.position < b.position || (a.position === b.position && a.id < b.id);

function foreignKeyViolated(err: unknown): string | null {
  if (!(err instanceof QueryFailedError)) return null;
  const driverError = err.driverError as { code?: string; constraint?: string };
  return driverError.code === '23503' ? (driverError.constraint ?? null) : null;
}

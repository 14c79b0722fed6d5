import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import type { Page } from '../common/pagination.js';
import { CommonProblems, type FieldError } from '../common/problem.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import {
  diffChanges,
  WorkspaceDirectory,
  type Changes,
  WorkspaceUnitOfWork,
  type Actor,
  type WorkspaceScope,
} from '../kernel/index.js';
import { BoardProblems } from './board.errors.js';
import { CardEvents, ColumnEvents } from './board.events.js';
import { toCardResponse, toCardSummary } from './board.mappers.js';
import {
  assertBoardWritable,
  Boards,
  Cards,
  onWritableBoard,
  withoutBoard,
} from './board.tables.js';
import {
  CardList,
  cardById,
  countActiveCards,
  insertCard,
  keyedCards,
  listCardPage,
  lockColumn,
  moveCardRow,
  neighbour,
  orderedCardIds,
  writeCardKeys,
  type CardRow,
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

type Scope = WorkspaceScope<unknown>;

/** The fields of a card that its audit events show (`dueAt` included: reminders follow it). */
const CARD_EVENT_FIELDS = [
  'title',
  'description',
  'columnId',
  'position',
  'labelIds',
  'assigneeIds',
  'dueAt',
  'remindBefore',
  'checklist',
  'archivedAt',
];
const EDITABLE_FIELDS = [
  'title',
  'description',
  'labelIds',
  'assigneeIds',
  'dueAt',
  'remindBefore',
  'checklist',
];

/**
 * What the reminders module follows a card's due date from (it never reads board tables): an
 * event that touches the due date (`card.updated` changing `dueAt` or `remindBefore`, and
 * `card.restored` of a card with a due date) carries `dueAt`, `remindBefore` and `title` (an
 * unchanged one with from = to), and `archivedAt` too when the card is or was archived.
 */
function dueChanges(before: CardRow, after: CardRow): Changes {
  const changes: Changes = {
    dueAt: { from: before.dueAt?.toISOString() ?? null, to: after.dueAt?.toISOString() ?? null },
    remindBefore: { from: before.remindBefore, to: after.remindBefore },
    title: { from: before.title, to: after.title },
  };
  if (before.archivedAt || after.archivedAt) {
    changes.archivedAt = {
      from: before.archivedAt?.toISOString() ?? null,
      to: after.archivedAt?.toISOString() ?? null,
    };
  }
  return changes;
}

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
    private readonly uow: WorkspaceUnitOfWork,
    private readonly directory: WorkspaceDirectory,
  ) {}

  create(actor: Actor, boardId: string, dto: CreateCardDto): Promise<CardResponseDto> {
    return this.uow.write(actor, Boards.ref(boardId), 'member', async (s) => {
      assertBoardWritable(s.row.archivedAt);
      const labelIds = sortedIds(dto.labelIds);
      const assigneeIds = sortedIds(dto.assigneeIds);
      await this.validateSets(s, boardId, labelIds, assigneeIds);
      const columnId = dto.columnId ?? (await this.firstColumnId(s, boardId));
      const column = await this.lockTargetColumn(s, boardId, columnId);
      await this.assertRoom(s, column);
      const id = newId();
      const placed = await this.place(s, column, { id, columnId: null, position: null }, dto);
      // A new card is never "already placed".
      if (placed === 'unchanged') throw new Error('placement of a new card cannot be unchanged');
      await this.applyRebalance(s, column, placed);
      const inserted = await insertCard(s, {
        id,
        boardId,
        columnId: column.id,
        position: placed.key,
        title: dto.title,
        description: dto.description ?? '',
        dueAt: dto.dueAt ? new Date(dto.dueAt) : null,
        remindBefore: dto.remindBefore ?? [],
        checklist: checklistOf(dto.checklist) ?? [],
        createdBy: s.userId,
        done: column.isDone,
      });
      await this.writeSets(s, { boardId, cardId: id }, labelIds, assigneeIds, [], []);
      const card: CardRow = Object.assign({}, inserted, {
        labelIds,
        assigneeIds,
      } satisfies Partial<CardRow>);
      s.record(CardEvents.created, card.id, diffChanges(null, card, CARD_EVENT_FIELDS));
      return toCardResponse(card);
    });
  }

  list(
    actor: Actor,
    boardId: string,
    query: ListCardsQueryDto,
  ): Promise<Page<CardSummaryResponseDto>> {
    return this.uow.read(actor, Boards.ref(boardId), 'viewer', async (s) => {
      const limit = CardList.limit(query.limit);
      const rows = await listCardPage(
        s,
        {
          boardId,
          columnId: query.columnId,
          labelId: query.labelId,
          assigneeId: query.assigneeId,
          dueBefore: query.dueBefore ? new Date(query.dueBefore) : undefined,
          dueAfter: query.dueAfter ? new Date(query.dueAfter) : undefined,
          archived: query.archived ?? false,
          q: query.q,
        },
        query.cursor,
        limit,
      );
      return CardList.page(rows, limit, toCardSummary);
    });
  }

  get(actor: Actor, cardId: string): Promise<CardResponseDto> {
    return this.uow.read(actor, Cards.ref(cardId), 'viewer', async (s) =>
      toCardResponse(withoutBoard(s.row)),
    );
  }

  update(
    actor: Actor,
    cardId: string,
    dto: UpdateCardDto,
    ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.uow.write(actor, Cards.ref(cardId), 'member', async (s) => {
      const card = onWritableBoard(s.row);
      const next: CardRow = Object.assign({}, card, {
        title: dto.title ?? card.title,
        description: dto.description ?? card.description,
        labelIds: dto.labelIds ? sortedIds(dto.labelIds) : card.labelIds,
        assigneeIds: dto.assigneeIds ? sortedIds(dto.assigneeIds) : card.assigneeIds,
        dueAt:
          dto.dueAt === undefined ? card.dueAt : dto.dueAt === null ? null : new Date(dto.dueAt),
        remindBefore: dto.remindBefore ?? card.remindBefore,
        checklist: checklistOf(dto.checklist) ?? card.checklist,
      } satisfies Partial<CardRow>);
      const changes = diffChanges(card, next, EDITABLE_FIELDS);
      if (changes.dueAt || changes.remindBefore) Object.assign(changes, dueChanges(card, next));
      if (Object.keys(changes).length === 0) {
        checkIfMatch(card.version, ifMatch);
        return toCardResponse(card);
      }
      const added = (now: string[], was: string[]) => now.filter((id) => !was.includes(id));
      await this.validateSets(
        s,
        card.boardId,
        added(next.labelIds, card.labelIds),
        added(next.assigneeIds, card.assigneeIds),
      );
      await updateVersioned(s.em, CardEntity, card.id, card.version, ifMatch, {
        title: next.title,
        description: next.description,
        dueAt: next.dueAt,
        remindBefore: next.remindBefore,
        checklist: next.checklist,
      });
      await this.writeSets(
        s,
        { boardId: card.boardId, cardId: card.id },
        added(next.labelIds, card.labelIds),
        added(next.assigneeIds, card.assigneeIds),
        added(card.labelIds, next.labelIds),
        added(card.assigneeIds, next.assigneeIds),
      );
      const after = (await cardById(s, card.id))!;
      s.record(CardEvents.updated, card.id, changes);
      return toCardResponse(after);
    });
  }

  /**
   * `POST /v1/cards/{id}/move`: into `columnId` (of the same board), right after `afterCardId`,
   * right before `beforeCardId`, or at the top/bottom (default bottom). Entering a column checks
   * its WIP limit under the column lock and stamps the time-in-column fields.
   */
  move(actor: Actor, cardId: string, dto: MoveCardDto, ifMatch?: number): Promise<CardResponseDto> {
    return this.uow.write(actor, Cards.ref(cardId), 'member', async (s) => {
      const card = onWritableBoard(s.row);
      if (card.archivedAt) throw BoardProblems.cardArchived();
      checkIfMatch(card.version, ifMatch);
      const column = await this.lockTargetColumn(s, card.boardId, dto.columnId);
      const entering = column.id !== card.columnId;
      if (entering) await this.assertRoom(s, column);
      const placed = await this.place(s, column, card, dto);
      if (placed === 'unchanged') {
        // Read again under the lock: the answer must not be a version a concurrent move replaced.
        const current = (await cardById(s, card.id))!;
        if (current.version !== card.version) throw CommonProblems.concurrentModification();
        return toCardResponse(current);
      }
      await this.applyRebalance(s, column, placed);
      const after = await moveCardRow(
        s,
        card,
        {
          columnId: column.id,
          position: placed.key,
          entering,
          isDone: column.isDone,
          txNow: column.txNow,
        },
        ifMatch,
      );
      s.record(CardEvents.moved, card.id, diffChanges(card, after, ['columnId', 'position']));
      return toCardResponse(after);
    });
  }

  /** Archive (frees a WIP slot, hidden from the default list) or restore (needs a free slot). */
  setArchived(
    actor: Actor,
    cardId: string,
    archived: boolean,
    ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.uow.write(actor, Cards.ref(cardId), 'member', async (s) => {
      const card = onWritableBoard(s.row);
      checkIfMatch(card.version, ifMatch);
      if ((card.archivedAt !== null) === archived) return toCardResponse(card);
      if (!archived) {
        const column = await lockColumn(s, card.columnId);
        await this.assertRoom(s, column!);
      }
      await updateVersioned(s.em, CardEntity, card.id, card.version, ifMatch, {
        archivedAt: archived ? () => 'now()' : null,
      });
      const after = (await cardById(s, card.id))!;
      const changes = diffChanges(card, after, ['archivedAt']);
      // A restored card's due date counts again: the reminders module re-creates its reminders.
      if (!archived && after.dueAt) Object.assign(changes, dueChanges(card, after));
      s.record(archived ? CardEvents.archived : CardEvents.restored, card.id, changes);
      return toCardResponse(after);
    });
  }

  /** Hard delete (labels, assignees, comments and other modules' links go with it). */
  async remove(actor: Actor, cardId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Cards.ref(cardId), 'member', async (s) => {
      const card = onWritableBoard(s.row);
      await deleteVersioned(s.em, CardEntity, card.id, card.version, ifMatch);
      s.record(CardEvents.deleted, card.id, diffChanges(card, null, CARD_EVENT_FIELDS));
    });
  }

  private async firstColumnId(s: Scope, boardId: string): Promise<string> {
    const [row] = await s.query<{ id: string }>(
      `SELECT id FROM board_columns WHERE workspace_id = $1 AND board_id = $2
        ORDER BY position, id LIMIT 1`,
      [s.workspaceId, boardId],
    );
    if (!row) {
      throw CommonProblems.validationFailed('The board has no columns; create one first.', {
        errors: [{ field: 'columnId', message: 'the board has no columns' }],
      });
    }
    return row.id;
  }

  /** Locks the target column; it must be a column of the card's board (422 otherwise). */
  private async lockTargetColumn(
    s: Scope,
    boardId: string,
    columnId: string,
  ): Promise<LockedColumn> {
    const column = await lockColumn(s, columnId);
    if (!column || column.boardId !== boardId) {
      throw BoardProblems.invalidPlacement('columnId is not a column of this board.', {
        errors: [{ field: 'columnId', message: 'is not a column of this board' }],
      });
    }
    assertBoardWritable(column.boardArchivedAt);
    return column;
  }

  /** 409 when a card entering the (locked) column would exceed its WIP limit. */
  private async assertRoom(s: Scope, column: LockedColumn): Promise<void> {
    if (column.wipLimit === null) return;
    const present = await countActiveCards(s, column);
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
    s: Scope,
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
      s,
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
      upper = await neighbour(s, column, 'next', after, card.id);
    } else if (before) {
      upper = before;
      lower = await neighbour(s, column, 'previous', before, card.id);
    } else if (request.placement === 'top') {
      lower = null;
      upper = await neighbour(s, column, 'next', null, card.id);
    } else {
      lower = await neighbour(s, column, 'previous', null, card.id);
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
    const keys = rebalanced(await orderedCardIds(s, column), card.id, lower?.id ?? null);
    return {
      key: keys.find((k) => k.id === card.id)!.key,
      rebalancedKeys: keys.filter((k) => k.id !== card.id),
    };
  }

  private async applyRebalance(s: Scope, column: LockedColumn, placed: Placed): Promise<void> {
    if (!placed.rebalancedKeys) return;
    await writeCardKeys(s, column, placed.rebalancedKeys);
    s.record(ColumnEvents.rebalanced, column.id, {
      cardKeysRewritten: { from: null, to: placed.rebalancedKeys.length },
    });
  }

  /** 422 for labels not of this board and assignees not members of the workspace. */
  private async validateSets(
    s: Scope,
    boardId: string,
    labelIds: string[],
    assigneeIds: string[],
  ): Promise<void> {
    const errors: FieldError[] = [];
    if (labelIds.length > 0) {
      const rows = await s.query<{ id: string }>(
        'SELECT id FROM board_labels WHERE workspace_id = $1 AND board_id = $2 AND id = ANY($3::uuid[])',
        [s.workspaceId, boardId, labelIds],
      );
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
      const members = await this.directory.membersAmong(s.workspaceId, assigneeIds);
      const outsiders = assigneeIds.filter((id) => !members.has(id));
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
    s: Scope,
    card: { boardId: string; cardId: string },
    addLabels: string[],
    addAssignees: string[],
    removeLabels: string[],
    removeAssignees: string[],
  ): Promise<void> {
    const { workspaceId, em } = s;
    const { boardId, cardId } = card;
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

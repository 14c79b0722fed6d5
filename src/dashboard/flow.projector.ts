import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OutboxEvent } from '../audit/outbox.service.js';
import { CardDirectory } from '../board/card-directory.service.js';
import { newId } from '../database/uuid.js';
import { flowState, flowStateColumns, RollupDeltas, type FlowState } from './flow.rollups.js';

interface ColumnInfo {
  boardId: string;
  isDone: boolean;
  /** Entering it starts a card (`STARTS_A_CARD`). */
  starts: boolean;
}

/**
 * The cards of a column whose done flag changed to `$3`: finished when they entered it (done),
 * or open again. `row` qualifies the card row (`o.`, `c.`): one rule for the projection and the
 * reconciliation's repair.
 */
export const finishByDoneFlag = (row: string): string =>
  `finished_at = CASE WHEN $3 THEN ${row}.column_entered_at END`;

/**
 * Whether entering column `c` starts a card: on a board with columns marked "in progress",
 * entering one of them or the done column (a card that skipped them); on a board without, entering
 * any column but the first (by position). Read from the dashboard's copy of the board's columns
 * as of the entry, so marking or unmarking a column applies to entries from then on.
 */
const STARTS_A_CARD = `CASE
  WHEN EXISTS (SELECT 1 FROM dashboard_columns m
                WHERE m.workspace_id = c.workspace_id AND m.board_id = c.board_id AND m.in_progress)
  THEN c.in_progress OR c.is_done
  ELSE c.column_id <> (SELECT f.column_id FROM dashboard_columns f
                        WHERE f.workspace_id = c.workspace_id AND f.board_id = c.board_id
                        ORDER BY f.position, f.column_id LIMIT 1)
END`;

type Change = { from: unknown; to: unknown } | undefined;

const change = (e: OutboxEvent, field: string): Change =>
  (e.changes as Record<string, Change> | null)?.[field];

const timeOrNull = (value: unknown): Date | null =>
  typeof value === 'string' ? new Date(value) : null;

/**
 * Applies board events to the dashboard's own tables (`dashboard_*`): column counters, each
 * card's flow state, the column stays (the source rows the rollups are recounted from) and the
 * rollups the metrics read (`flow.rollups.ts`), all in the consumer's transaction. Events carry no
 * board id, so a column's board comes from the dashboard's copy of the column (or, the first
 * time a column is seen, from `CardDirectory.columnStates`), and a card's board from its
 * column. Called with the events of one chain in order, inside the transaction that also moves
 * the consumer's cursor: a batch is applied exactly once or not at all.
 */
@Injectable()
export class FlowProjector {
  private readonly logger = new Logger(FlowProjector.name);

  constructor(private readonly directory: CardDirectory) {}

  /** Rollup changes of the batch so far, per workspace, written before the batch commits. */
  private readonly pending = new WeakMap<EntityManager, Map<string, RollupDeltas>>();

  async apply(em: EntityManager, events: readonly OutboxEvent[]): Promise<number> {
    let applied = 0;
    try {
      for (const e of events) {
        if (!e.workspaceId || !e.entityId) continue;
        if (await this.applyOne(em, e, e.workspaceId, e.entityId)) applied += 1;
      }
      await this.flush(em);
    } finally {
      this.pending.delete(em);
    }
    return applied;
  }

  private deltas(em: EntityManager, ws: string): RollupDeltas {
    let byWorkspace = this.pending.get(em);
    if (!byWorkspace) this.pending.set(em, (byWorkspace = new Map()));
    let d = byWorkspace.get(ws);
    if (!d) byWorkspace.set(ws, (d = new RollupDeltas()));
    return d;
  }

  private async flush(em: EntityManager): Promise<void> {
    for (const [ws, d] of this.pending.get(em) ?? []) await d.write(em, ws);
  }

  private async applyOne(
    em: EntityManager,
    e: OutboxEvent,
    ws: string,
    id: string,
  ): Promise<boolean> {
    const at = new Date(e.occurredAt);
    switch (e.action) {
      case 'board.created':
      case 'board.updated':
      case 'board.archived':
      case 'board.restored':
        return this.upsertBoard(em, e, ws, id);
      case 'board.deleted':
        await this.deleteBoard(em, ws, id);
        return true;
      case 'column.created':
      case 'column.updated':
      case 'column.moved':
        return this.upsertColumn(em, e, ws, id);
      case 'column.deleted':
        return this.deleteColumn(em, e, ws, id, at);
      case 'card.created':
        return this.createCard(em, e, ws, id, at);
      case 'card.moved': {
        const to = change(e, 'columnId')?.to;
        return typeof to === 'string' ? this.moveCard(em, ws, id, to, at) : false;
      }
      case 'card.updated': {
        const due = change(e, 'dueAt');
        if (!due) return false;
        const card = await this.card(em, ws, id);
        if (!card) return false;
        await this.updateCard(em, ws, card, 'due_at = $3', [ws, id, timeOrNull(due.to)], at);
        return true;
      }
      case 'card.archived':
        return this.archiveCard(em, ws, id, at, true);
      case 'card.restored':
        return this.archiveCard(em, ws, id, at, false);
      case 'card.deleted':
        return this.deleteCard(em, ws, id, at);
      default:
        return false;
    }
  }

  private async upsertBoard(
    em: EntityManager,
    e: OutboxEvent,
    ws: string,
    boardId: string,
  ): Promise<boolean> {
    const name = change(e, 'name');
    const archived = change(e, 'archivedAt');
    if (e.action === 'board.created') {
      await em.query(
        `INSERT INTO dashboard_boards (workspace_id, id, name, archived_at)
         VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING`,
        [ws, boardId, typeof name?.to === 'string' ? name.to : ''],
      );
      return true;
    }
    await em.query(
      `UPDATE dashboard_boards
          SET name = CASE WHEN $3 THEN $4 ELSE name END,
              archived_at = CASE WHEN $5 THEN $6::timestamptz ELSE archived_at END
        WHERE workspace_id = $1 AND id = $2`,
      [
        ws,
        boardId,
        name !== undefined,
        name?.to ?? '',
        archived !== undefined,
        timeOrNull(archived?.to),
      ],
    );
    return true;
  }

  private async deleteBoard(em: EntityManager, ws: string, boardId: string): Promise<void> {
    await this.flush(em);
    this.pending.delete(em);
    for (const table of [
      'dashboard_intervals',
      'dashboard_cards',
      'dashboard_columns',
      'dashboard_flow_buckets',
      'dashboard_flow_days',
      'dashboard_flow_times',
      'dashboard_wip_months',
      'dashboard_due_hours',
    ]) {
      await em.query(`DELETE FROM ${table} WHERE workspace_id = $1 AND board_id = $2`, [
        ws,
        boardId,
      ]);
    }
    await em.query('DELETE FROM dashboard_boards WHERE workspace_id = $1 AND id = $2', [
      ws,
      boardId,
    ]);
  }

  /**
   * The dashboard's copy of a column, from the event's changes when the column is known, else
   * learned once from the board module (its current state: the board id is not in the event).
   * A column that becomes (or stops being) the done column finishes (or reopens) its cards as
   * of their entry into it, as the board does. Marking or unmarking a column "in progress"
   * changes no card: it decides where cards start from then on.
   */
  private async upsertColumn(
    em: EntityManager,
    e: OutboxEvent,
    ws: string,
    columnId: string,
  ): Promise<boolean> {
    const [known] = (await em.query(
      `SELECT is_done AS "isDone" FROM dashboard_columns
        WHERE workspace_id = $1 AND column_id = $2 FOR UPDATE`,
      [ws, columnId],
    )) as Array<{ isDone: boolean }>;
    if (!known) return (await this.learnColumn(em, ws, columnId)) !== null;
    const field = (name: string) => change(e, name);
    const done = field('isDone');
    await em.query(
      `UPDATE dashboard_columns
          SET name = COALESCE($3, name), position = COALESCE($4, position),
              wip_limit = CASE WHEN $5 THEN $6::int ELSE wip_limit END,
              is_done = COALESCE($7, is_done), in_progress = COALESCE($8, in_progress)
        WHERE workspace_id = $1 AND column_id = $2`,
      [
        ws,
        columnId,
        (field('name')?.to as string | undefined) ?? null,
        (field('position')?.to as string | undefined) ?? null,
        field('wipLimit') !== undefined,
        (field('wipLimit')?.to as number | null | undefined) ?? null,
        (done?.to as boolean | undefined) ?? null,
        (field('inProgress')?.to as boolean | undefined) ?? null,
      ],
    );
    if (done && done.to !== known.isDone) {
      await this.updateCards(
        em,
        ws,
        finishByDoneFlag('o'),
        [ws, columnId, done.to === true],
        new Date(e.occurredAt),
      );
    }
    return true;
  }

  /** Learns a column (and its board) from the board module; null when it no longer exists. */
  private async learnColumn(
    em: EntityManager,
    ws: string,
    columnId: string,
  ): Promise<ColumnInfo | null> {
    const [state] = await this.directory.columnStates(ws, { columnIds: [columnId] });
    if (!state) {
      this.logger.warn({ workspaceId: ws, columnId }, 'event of a column that no longer exists');
      return null;
    }
    await em.query(
      `INSERT INTO dashboard_boards (workspace_id, id, name) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [ws, state.boardId, state.boardName],
    );
    await em.query(
      `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position, wip_limit,
                                      is_done, in_progress)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [
        ws,
        state.id,
        state.boardId,
        state.name,
        state.position,
        state.wipLimit,
        state.isDone,
        state.inProgress,
      ],
    );
    return this.columnInfo(em, ws, columnId);
  }

  private async columnInfo(
    em: EntityManager,
    ws: string,
    columnId: string,
  ): Promise<ColumnInfo | null> {
    const [row] = (await em.query(
      `SELECT c.board_id AS "boardId", c.is_done AS "isDone", ${STARTS_A_CARD} AS "starts"
         FROM dashboard_columns c WHERE c.workspace_id = $1 AND c.column_id = $2`,
      [ws, columnId],
    )) as ColumnInfo[];
    return row ?? null;
  }

  private async column(em: EntityManager, ws: string, columnId: string) {
    return (await this.columnInfo(em, ws, columnId)) ?? this.learnColumn(em, ws, columnId);
  }

  private async createCard(
    em: EntityManager,
    e: OutboxEvent,
    ws: string,
    cardId: string,
    at: Date,
  ): Promise<boolean> {
    const columnId = change(e, 'columnId')?.to;
    if (typeof columnId !== 'string') return false;
    const col = await this.column(em, ws, columnId);
    if (!col) return false;
    const inserted = (await em.query(
      `INSERT INTO dashboard_cards (workspace_id, card_id, board_id, column_id, created_at,
                                    column_entered_at, started_at, finished_at, due_at)
       VALUES ($1, $2, $3, $4, $5, $5, CASE WHEN $6 THEN $5::timestamptz END,
               CASE WHEN $7 THEN $5::timestamptz END, $8)
       ON CONFLICT DO NOTHING RETURNING ${flowStateColumns()}`,
      [
        ws,
        cardId,
        col.boardId,
        columnId,
        at,
        col.starts,
        col.isDone,
        timeOrNull(change(e, 'dueAt')?.to),
      ],
    )) as FlowState[];
    if (inserted.length === 0) return false;
    this.deltas(em, ws).change(null, flowState(inserted[0]), at);
    await this.bump(em, ws, columnId, 1, 0);
    await this.openStay(em, ws, col.boardId, cardId, columnId, at);
    return true;
  }

  private async moveCard(
    em: EntityManager,
    ws: string,
    cardId: string,
    columnId: string,
    at: Date,
  ): Promise<boolean> {
    const card = await this.card(em, ws, cardId);
    if (!card || card.columnId === columnId) return false;
    const col = await this.column(em, ws, columnId);
    if (!col) return false;
    await this.updateCard(
      em,
      ws,
      card,
      `column_id = $3, column_entered_at = $4,
       started_at = CASE WHEN $5 THEN COALESCE(started_at, $4) ELSE started_at END,
       finished_at = CASE WHEN $6 THEN $4::timestamptz END`,
      [ws, cardId, columnId, at, col.starts, col.isDone],
      at,
    );
    const open = card.archivedAt === null;
    await this.bump(em, ws, card.columnId, open ? -1 : 0, open ? 0 : -1);
    await this.bump(em, ws, columnId, open ? 1 : 0, open ? 0 : 1);
    if (open) {
      await this.closeStay(em, ws, cardId, at);
      await this.openStay(em, ws, card.boardId, cardId, columnId, at);
    }
    return true;
  }

  private async archiveCard(
    em: EntityManager,
    ws: string,
    cardId: string,
    at: Date,
    archive: boolean,
  ): Promise<boolean> {
    const card = await this.card(em, ws, cardId);
    if (!card || (card.archivedAt !== null) === archive) return false;
    await this.updateCard(em, ws, card, 'archived_at = $3', [ws, cardId, archive ? at : null], at);
    await this.bump(em, ws, card.columnId, archive ? -1 : 1, archive ? 1 : -1);
    if (archive) await this.closeStay(em, ws, cardId, at);
    else await this.openStay(em, ws, card.boardId, cardId, card.columnId, at);
    return true;
  }

  private async deleteCard(
    em: EntityManager,
    ws: string,
    cardId: string,
    at: Date,
  ): Promise<boolean> {
    const [card] = (await em.query(
      `WITH gone AS (
         DELETE FROM dashboard_cards WHERE workspace_id = $1 AND card_id = $2
         RETURNING ${flowStateColumns()})
       SELECT * FROM gone`,
      [ws, cardId],
    )) as FlowState[];
    if (!card) return false;
    this.deltas(em, ws).change(flowState(card), null, at);
    const open = card.archivedAt === null;
    await this.bump(em, ws, card.columnId, open ? -1 : 0, open ? 0 : -1);
    await this.closeStay(em, ws, cardId, at);
    return true;
  }

  /** A deleted column's cards went to `cardsMovedTo` in the same transaction (no card events). */
  private async deleteColumn(
    em: EntityManager,
    e: OutboxEvent,
    ws: string,
    columnId: string,
    at: Date,
  ): Promise<boolean> {
    const target = change(e, 'cardsMovedTo')?.to;
    if (typeof target === 'string') {
      const col = await this.column(em, ws, target);
      if (col) {
        const rows = await this.updateCards(
          em,
          ws,
          `column_id = $3, column_entered_at = $4,
           started_at = CASE WHEN $5 THEN COALESCE(o.started_at, $4) ELSE o.started_at END,
           finished_at = CASE WHEN $6 THEN $4::timestamptz END`,
          [ws, columnId, target, at, col.starts, col.isDone],
          at,
        );
        const open = rows.filter((r) => r.archivedAt === null);
        await this.bump(em, ws, target, open.length, rows.length - open.length);
        for (const r of open) {
          await this.closeStay(em, ws, r.cardId, at);
          await this.openStay(em, ws, r.boardId, r.cardId, target, at);
        }
      }
    }
    await em.query('DELETE FROM dashboard_columns WHERE workspace_id = $1 AND column_id = $2', [
      ws,
      columnId,
    ]);
    return true;
  }

  private async card(em: EntityManager, ws: string, cardId: string): Promise<FlowState | null> {
    const [row] = (await em.query(
      `SELECT ${flowStateColumns()}
         FROM dashboard_cards WHERE workspace_id = $1 AND card_id = $2 FOR UPDATE`,
      [ws, cardId],
    )) as FlowState[];
    return row ? flowState(row) : null;
  }

  /** Updates one card (`$1` workspace, `$2` card; `set` may use more parameters) and its rollups. */
  private async updateCard(
    em: EntityManager,
    ws: string,
    before: FlowState,
    set: string,
    params: unknown[],
    at: Date,
  ): Promise<void> {
    // Wrapped in a CTE: a bare UPDATE ... RETURNING comes back as [rows, count].
    const [after] = (await em.query(
      `WITH changed AS (UPDATE dashboard_cards SET ${set}
                   WHERE workspace_id = $1 AND card_id = $2 RETURNING ${flowStateColumns()})
       SELECT * FROM changed`,
      params,
    )) as FlowState[];
    this.deltas(em, ws).change(before, after ? flowState(after) : null, at);
  }

  /**
   * Updates the cards of a column (`$1` workspace, `$2` column; `set` reads the old row as
   * `o`) and their rollups: the self-join hands back each card's state before and after.
   */
  private async updateCards(
    em: EntityManager,
    ws: string,
    set: string,
    params: unknown[],
    at: Date,
  ): Promise<Array<{ cardId: string; boardId: string; archivedAt: Date | null }>> {
    const old = (a: string) => a.replace(/AS "(\w+)"/g, 'AS "old_$1"');
    const rows = (await em.query(
      `WITH changed AS (
         UPDATE dashboard_cards c SET ${set}
           FROM dashboard_cards o
          WHERE c.workspace_id = $1 AND c.column_id = $2
            AND o.workspace_id = c.workspace_id AND o.card_id = c.card_id
         RETURNING c.card_id AS "cardId", ${flowStateColumns('c')}, ${old(flowStateColumns('o'))})
       SELECT * FROM changed`,
      params,
    )) as Array<FlowState & { cardId: string } & Record<string, unknown>>;
    const d = this.deltas(em, ws);
    for (const r of rows) {
      const before = flowState({
        boardId: r.old_boardId,
        columnId: r.old_columnId,
        createdAt: r.old_createdAt,
        startedAt: r.old_startedAt,
        finishedAt: r.old_finishedAt,
        archivedAt: r.old_archivedAt,
        dueAt: r.old_dueAt,
      } as FlowState);
      d.change(before, flowState(r), at);
    }
    return rows.map((r) => ({ cardId: r.cardId, boardId: r.boardId, archivedAt: r.archivedAt }));
  }

  private async bump(
    em: EntityManager,
    ws: string,
    columnId: string,
    open: number,
    archived: number,
  ): Promise<void> {
    if (open === 0 && archived === 0) return;
    await em.query(
      `UPDATE dashboard_columns
          SET open_cards = open_cards + $3, archived_cards = archived_cards + $4
        WHERE workspace_id = $1 AND column_id = $2`,
      [ws, columnId, open, archived],
    );
  }

  private async openStay(
    em: EntityManager,
    ws: string,
    boardId: string,
    cardId: string,
    columnId: string,
    at: Date,
  ): Promise<void> {
    await em.query(
      `INSERT INTO dashboard_intervals (id, workspace_id, board_id, card_id, column_id, entered_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [newId(), ws, boardId, cardId, columnId, at],
    );
  }

  private async closeStay(em: EntityManager, ws: string, cardId: string, at: Date): Promise<void> {
    await em.query(
      `UPDATE dashboard_intervals SET left_at = $3
        WHERE workspace_id = $1 AND card_id = $2 AND left_at IS NULL`,
      [ws, cardId, at],
    );
  }
}

import { BoardsService } from '../../src/board/boards.service.js';
import { CardsService } from '../../src/board/cards.service.js';
import { ColumnsService } from '../../src/board/columns.service.js';
import { DashboardService } from '../../src/dashboard/dashboard.service.js';
import { DASHBOARD_CONSUMER } from '../../src/dashboard/dashboard.consumer.js';
import { DashboardModule } from '../../src/dashboard/dashboard.module.js';
import { DashboardReconciler } from '../../src/dashboard/dashboard.reconciler.js';
import { MetricsService } from '../../src/kernel/metrics.js';
import { describeOnPostgres } from '../support/db.js';
import { bootHarness, type Harness, type SeededWorkspace } from '../support/harness.js';

const CARDS = 24;

interface CounterRow {
  column_id: string;
  open_cards: number;
  archived_cards: number;
}

/**
 * The maintained counters against a recount of the board's rows, after concurrent creates,
 * moves, archives and deletes (with two projection runs racing the writers), and the
 * reconciliation that repairs a corrupted counter.
 */
describeOnPostgres('dashboard counters on the real PostgreSQL', () => {
  let h: Harness;
  let ws: SeededWorkspace;
  let boardId: string;
  let columns: string[];

  const drain = () => h.settle(DASHBOARD_CONSUMER, ws.workspaceId);
  const counters = (workspaceId: string) =>
    h.query<CounterRow>(
      `SELECT column_id, open_cards, archived_cards FROM dashboard_columns
        WHERE workspace_id = $1 ORDER BY column_id`,
      [workspaceId],
    );
  const recount = (workspaceId: string) =>
    h.query<CounterRow>(
      `SELECT col.id AS column_id,
              count(c.id) FILTER (WHERE c.archived_at IS NULL)::int AS open_cards,
              count(c.id) FILTER (WHERE c.archived_at IS NOT NULL)::int AS archived_cards
         FROM board_columns col LEFT JOIN cards c ON c.column_id = col.id
        WHERE col.workspace_id = $1 GROUP BY col.id ORDER BY col.id`,
      [workspaceId],
    );

  /** `workdeck_dashboard_reconcile_repairs_total{kind}` as this process counted it. */
  const repairsCounted = async (kind: string) => {
    const metrics = await h.get(MetricsService).registry.getMetricsAsJSON();
    const repairs = metrics.find((m) => m.name === 'workdeck_dashboard_reconcile_repairs_total');
    return repairs?.values.find((v) => v.labels.kind === kind)?.value;
  };

  beforeAll(async () => {
    h = await bootHarness({ imports: [DashboardModule] });
    ws = await h.seedWorkspace(['owner']);
    const actor = ws.users[0].actor;
    const board = await h.get(BoardsService).create(actor, ws.workspaceId, { name: 'Race' });
    boardId = board.id;
    columns = (
      await h.query<{ id: string }>(
        'SELECT id FROM board_columns WHERE board_id = $1 ORDER BY position',
        [boardId],
      )
    ).map((c) => c.id);
  });
  afterAll(() => h.close());

  it('stay exact under concurrent creates, moves, archives and deletes', async () => {
    const actor = ws.users[0].actor;
    const cards = h.get(CardsService);
    const created = await Promise.all(
      Array.from({ length: CARDS }, (_, i) => cards.create(actor, boardId, { title: `c${i}` })),
    );
    const work = created.map(async (card, i) => {
      switch (i % 6) {
        case 0:
          return cards.move(actor, card.id, { columnId: columns[1] });
        case 1:
          await cards.move(actor, card.id, { columnId: columns[2] });
          return cards.move(actor, card.id, { columnId: columns[1] });
        case 2:
          return cards.setArchived(actor, card.id, true);
        case 3:
          return cards.remove(actor, card.id);
        case 4:
          await cards.move(actor, card.id, { columnId: columns[2] });
          return cards.setArchived(actor, card.id, true);
        default:
          return cards.create(actor, boardId, { title: 'late', columnId: columns[2] });
      }
    });
    // Two projection runs race the writers (as two instances would).
    await Promise.all([...work, drain(), drain()]);
    await drain();
    expect(await counters(ws.workspaceId)).toEqual(await recount(ws.workspaceId));
    const flow = await h.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dashboard_cards WHERE workspace_id = $1`,
      [ws.workspaceId],
    );
    const source = await h.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cards WHERE workspace_id = $1',
      [ws.workspaceId],
    );
    expect(flow[0].n).toBe(source[0].n);
    // Every card the board has is in the column the dashboard thinks.
    const misplaced = await h.query(
      `SELECT c.id FROM cards c JOIN dashboard_cards d ON d.card_id = c.id
        WHERE c.workspace_id = $1 AND d.column_id <> c.column_id`,
      [ws.workspaceId],
    );
    expect(misplaced).toEqual([]);
  });

  it('reconciliation repairs a corrupted counter, counts it, and leaves exact ones alone', async () => {
    await drain();
    const reconciler = h.get(DashboardReconciler);
    expect(await reconciler.reconcile(ws.workspaceId)).toMatchObject({
      checked: true,
      countersFixed: 0,
    });
    await h.query(
      `UPDATE dashboard_columns SET open_cards = open_cards + 5, archived_cards = 0
        WHERE workspace_id = $1 AND column_id = $2`,
      [ws.workspaceId, columns[2]],
    );
    expect(await counters(ws.workspaceId)).not.toEqual(await recount(ws.workspaceId));
    const result = await reconciler.reconcile(ws.workspaceId);
    expect(result).toEqual({
      checked: true,
      countersFixed: 1,
      columnsAdded: 0,
      columnsRemoved: 0,
      columnsUpdated: 0,
      rollupsFixed: 0,
    });
    expect(await counters(ws.workspaceId)).toEqual(await recount(ws.workspaceId));
    expect(await repairsCounted('counter')).toBe(1);
  });

  it('reconciliation copies stale column attributes again (a column.updated never applied)', async () => {
    await drain();
    const reconciler = h.get(DashboardReconciler);
    const copy = () =>
      h.query(
        `SELECT column_id, name, position, wip_limit, is_done, in_progress
           FROM dashboard_columns WHERE workspace_id = $1 ORDER BY column_id`,
        [ws.workspaceId],
      );
    const source = () =>
      h.query(
        `SELECT id AS column_id, name, position, wip_limit, is_done, in_progress
           FROM board_columns WHERE workspace_id = $1 ORDER BY id`,
        [ws.workspaceId],
      );
    expect(await copy()).toEqual(await source());
    // As if the updates of two columns had been lost: flags, name, WIP limit and position.
    await h.query(
      `UPDATE dashboard_columns SET is_done = NOT is_done, in_progress = NOT in_progress,
              name = 'stale', wip_limit = 99
        WHERE workspace_id = $1 AND column_id = $2`,
      [ws.workspaceId, columns[1]],
    );
    await h.query(
      `UPDATE dashboard_columns SET position = position || 'z'
        WHERE workspace_id = $1 AND column_id = $2`,
      [ws.workspaceId, columns[0]],
    );
    expect(await copy()).not.toEqual(await source());
    const before = await counters(ws.workspaceId);
    expect(await reconciler.reconcile(ws.workspaceId)).toMatchObject({
      checked: true,
      columnsUpdated: 2,
      countersFixed: 0,
    });
    expect(await copy()).toEqual(await source());
    // The counters were not touched, and a second round finds nothing left to copy.
    expect(await counters(ws.workspaceId)).toEqual(before);
    expect((await reconciler.reconcile(ws.workspaceId)).columnsUpdated).toBe(0);
    expect(await repairsCounted('column_updated')).toBe(2);
  });

  it('reconciliation of a stale done flag re-stamps the finish of the column’s cards', async () => {
    await drain();
    const reconciler = h.get(DashboardReconciler);
    const done = columns[2];
    const finishes = () =>
      h.query<{ finished: boolean; atEntry: boolean | null }>(
        `SELECT finished_at IS NOT NULL AS finished, finished_at = column_entered_at AS "atEntry"
           FROM dashboard_cards WHERE workspace_id = $1 AND column_id = $2`,
        [ws.workspaceId, done],
      );
    const before = await finishes();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((r) => r.finished && r.atEntry)).toBe(true);
    // As if the column.updated that unmarked the done column had been lost: the board changes,
    // the dashboard hears nothing.
    await h.query('UPDATE board_columns SET is_done = false WHERE id = $1', [done]);
    const unmarked = await reconciler.reconcile(ws.workspaceId);
    expect(unmarked).toMatchObject({ checked: true, columnsUpdated: 1, countersFixed: 0 });
    // The throughput and cycle-time rollups counted those cards as finished.
    expect(unmarked.rollupsFixed).toBeGreaterThan(0);
    expect((await finishes()).every((r) => !r.finished)).toBe(true);
    await h.query('UPDATE board_columns SET is_done = true WHERE id = $1', [done]);
    expect(await reconciler.reconcile(ws.workspaceId)).toMatchObject({
      checked: true,
      columnsUpdated: 1,
    });
    expect(await finishes()).toEqual(before);
    expect(await reconciler.reconcile(ws.workspaceId)).toMatchObject({
      columnsUpdated: 0,
      countersFixed: 0,
      rollupsFixed: 0,
    });
  });

  it('skips a workspace whose projection lags, and one another instance is reconciling', async () => {
    const actor = ws.users[0].actor;
    const reconciler = h.get(DashboardReconciler);
    // Hold the chain's cursor, as a consumer applying a batch would, so that no consumer of
    // this or another process (the e2e specs' apps share the database) applies the new event.
    const holder = h.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(
        'SELECT 1 FROM outbox_cursors WHERE consumer = $1 AND chain_key = $2 FOR UPDATE',
        [DASHBOARD_CONSUMER, `ws:${ws.workspaceId}`],
      );
      await h.get(CardsService).create(actor, boardId, { title: 'not yet projected' });
      expect((await reconciler.reconcile(ws.workspaceId)).checked).toBe(false);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await drain();
    const other = h.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [0x0da5b0a2, ws.workspaceId]);
      expect((await reconciler.reconcile(ws.workspaceId)).checked).toBe(false);
      await other.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [
        0x0da5b0a2,
        ws.workspaceId,
      ]);
      expect((await reconciler.reconcile(ws.workspaceId)).checked).toBe(true);
    } finally {
      await other.release();
    }
    expect(await counters(ws.workspaceId)).toEqual(await recount(ws.workspaceId));
  });

  it('follows a new done column and a deleted column whose cards moved', async () => {
    const actor = ws.users[0].actor;
    const columnsService = h.get(ColumnsService);
    const status = async () =>
      (await h.get(DashboardService).dashboard(actor, ws.workspaceId)).body.totals.status;
    await drain();
    const before = await status();
    const [doing] = await h.query<{ open: number }>(
      'SELECT count(*)::int AS open FROM cards WHERE column_id = $1 AND archived_at IS NULL',
      [columns[1]],
    );
    // "Doing" becomes the done column ("Done" stops being it).
    await columnsService.update(actor, columns[1], { isDone: true });
    await drain();
    const [done] = await h.query<{ open: number }>(
      'SELECT count(*)::int AS open FROM cards WHERE column_id = $1 AND archived_at IS NULL',
      [columns[2]],
    );
    expect(await status()).toEqual({
      active: before.active - doing.open + done.open,
      done: before.done + doing.open - done.open,
      archived: before.archived,
    });
    // Delete "Done" (no longer the done column), moving its cards into "To do".
    await columnsService.remove(actor, columns[2], { moveCardsTo: columns[0] });
    await drain();
    expect(await counters(ws.workspaceId)).toEqual(await recount(ws.workspaceId));
    const misplaced = await h.query(
      `SELECT c.id FROM cards c JOIN dashboard_cards d ON d.card_id = c.id
        WHERE c.workspace_id = $1 AND d.column_id <> c.column_id`,
      [ws.workspaceId],
    );
    expect(misplaced).toEqual([]);
  });
  it('starts cards where the board says, following columns marked "in progress" as they are marked', async () => {
    const team = await h.seedWorkspace(['owner']);
    const actor = team.users[0].actor;
    const [boards, columnsService, cards] = [
      h.get(BoardsService),
      h.get(ColumnsService),
      h.get(CardsService),
    ];
    const board = await boards.create(actor, team.workspaceId, {
      name: 'Marked',
      defaultColumns: false,
    });
    const column = async (name: string, flags: { inProgress?: boolean; isDone?: boolean } = {}) =>
      (await columnsService.create(actor, board.id, { name, ...flags })).id;
    const backlogId = await column('Backlog');
    const readyId = await column('Ready');
    const doingId = await column('Doing', { inProgress: true });
    const doneId = await column('Done', { isDone: true });
    const settle = () => h.settle(DASHBOARD_CONSUMER, team.workspaceId);
    const flow = async (cardId: string) =>
      (
        await h.query<{ enteredAt: Date; startedAt: Date | null; finishedAt: Date | null }>(
          `SELECT column_entered_at AS "enteredAt", started_at AS "startedAt",
                  finished_at AS "finishedAt"
             FROM dashboard_cards WHERE workspace_id = $1 AND card_id = $2`,
          [team.workspaceId, cardId],
        )
      )[0];

    const through = await cards.create(actor, board.id, { title: 'through', columnId: backlogId });
    await cards.move(actor, through.id, { columnId: readyId });
    await settle();
    expect((await flow(through.id)).startedAt).toBeNull();
    await cards.move(actor, through.id, { columnId: doingId });
    await settle();
    const inDoing = await flow(through.id);
    expect(inDoing.startedAt).toEqual(inDoing.enteredAt);
    await cards.move(actor, through.id, { columnId: doneId });
    await settle();
    const finished = await flow(through.id);
    expect(finished.startedAt).toEqual(inDoing.enteredAt);
    expect(finished.finishedAt).toEqual(finished.enteredAt);

    const skipped = await cards.create(actor, board.id, { title: 'skipped', columnId: readyId });
    await cards.move(actor, skipped.id, { columnId: doneId });
    await settle();
    const direct = await flow(skipped.id);
    expect(direct.startedAt).toEqual(direct.finishedAt);

    // Marking Ready applies to entries from then on: a card already there stays unstarted.
    const waiting = await cards.create(actor, board.id, { title: 'waiting', columnId: readyId });
    await columnsService.update(actor, readyId, { inProgress: true });
    const next = await cards.create(actor, board.id, { title: 'next', columnId: backlogId });
    await cards.move(actor, next.id, { columnId: readyId });
    await settle();
    expect((await flow(waiting.id)).startedAt).toBeNull();
    const started = await flow(next.id);
    expect(started.startedAt).toEqual(started.enteredAt);
    const [copy] = await h.query<{ inProgress: boolean }>(
      `SELECT in_progress AS "inProgress" FROM dashboard_columns
        WHERE workspace_id = $1 AND column_id = $2`,
      [team.workspaceId, readyId],
    );
    expect(copy.inProgress).toBe(true);
  });
});

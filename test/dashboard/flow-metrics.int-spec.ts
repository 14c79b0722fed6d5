import { DataSource } from 'typeorm';
import type { OutboxEvent } from '../../src/audit/outbox.service.js';
import { ProblemException } from '../../src/common/problem.js';
import { DashboardModule } from '../../src/dashboard/dashboard.module.js';
import { DashboardService } from '../../src/dashboard/dashboard.service.js';
import { FlowProjector } from '../../src/dashboard/flow.projector.js';
import { newId } from '../../src/database/uuid.js';
import { FakeClock } from '../../src/kernel/clock.js';
import { bootHarness, type Harness, type SeededWorkspace } from '../support/harness.js';

/**
 * The metric definitions on a small hand-built history with known answers. Events are fed to
 * the projector as the outbox would hand them over (with chosen times), so each answer below
 * can be checked by hand: see the README's definitions.
 */
describe('dashboard flow metrics (hand-built history)', () => {
  let h: Harness;
  let projector: FlowProjector;
  let service: DashboardService;
  let ws: SeededWorkspace;
  let other: SeededWorkspace;
  /** A workspace of its own for the board with an "in progress" column (below). */
  let marked: SeededWorkspace;
  const boardId = newId();
  const [A, B, C] = [newId(), newId(), newId()];
  const [c1, c2, c3, c4, c5, c6] = [newId(), newId(), newId(), newId(), newId(), newId()];
  let seq = 0;

  const event = (
    action: string,
    entityId: string,
    at: string,
    changes: Record<string, { from: unknown; to: unknown }> = {},
    workspace: SeededWorkspace = ws,
  ): OutboxEvent =>
    ({
      id: newId(),
      workspaceId: workspace.workspaceId,
      chainKey: `ws:${workspace.workspaceId}`,
      seq: ++seq,
      actor: { type: 'user', id: workspace.users[0].userId },
      action,
      entityType: action.split('.')[0],
      entityId,
      changes,
      requestId: null,
      ip: null,
      userAgent: null,
      occurredAt: at,
      prevHash: '',
      hash: '',
    }) as OutboxEvent;
  const created = (
    card: string,
    column: string,
    at: string,
    dueAt: string | null = null,
    workspace: SeededWorkspace = ws,
  ) =>
    event(
      'card.created',
      card,
      at,
      {
        columnId: { from: null, to: column },
        ...(dueAt ? { dueAt: { from: null, to: dueAt } } : {}),
      },
      workspace,
    );
  const moved = (
    card: string,
    from: string,
    to: string,
    at: string,
    workspace: SeededWorkspace = ws,
  ) => event('card.moved', card, at, { columnId: { from, to } }, workspace);

  beforeAll(async () => {
    h = await bootHarness({
      imports: [DashboardModule],
      clock: new FakeClock(new Date('2026-10-27T12:00:00Z')),
    });
    projector = h.get(FlowProjector);
    service = h.get(DashboardService);
    ws = await h.seedWorkspace(['owner', 'viewer']);
    other = await h.seedWorkspace(['owner']);
    marked = await h.seedWorkspace(['owner']);
    // The board and its columns as the projection learned them (A first, C the done column).
    await h.query(`INSERT INTO dashboard_boards (id, workspace_id, name) VALUES ($1, $2, 'Flow')`, [
      boardId,
      ws.workspaceId,
    ]);
    for (const [id, name, position, isDone] of [
      [A, 'To do', 'a', false],
      [B, 'Doing', 'b', false],
      [C, 'Done', 'c', true],
    ] as const) {
      await h.query(
        `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position, is_done)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [ws.workspaceId, id, boardId, name, position, isDone],
      );
    }
    const history = [
      created(c1, A, '2026-10-20T08:00:00.000Z'),
      created(c4, B, '2026-10-21T00:00:00.000Z'),
      moved(c1, A, B, '2026-10-21T08:00:00.000Z'),
      created(c3, A, '2026-10-22T00:00:00.000Z'),
      moved(c3, A, B, '2026-10-22T12:00:00.000Z'),
      moved(c3, B, C, '2026-10-23T12:00:00.000Z'),
      // Reopened: leaves 23 October's throughput.
      moved(c3, C, B, '2026-10-23T18:00:00.000Z'),
      created(c2, A, '2026-10-24T10:00:00.000Z'),
      // 22:30 UTC on the 24th is 00:30 on the 25th in Berlin (still CEST, UTC+2).
      moved(c1, B, C, '2026-10-24T22:30:00.000Z'),
      // 23:30 UTC on the 25th is 00:30 on the 26th in Berlin (CET since 01:00 UTC, UTC+1).
      moved(c2, A, C, '2026-10-25T23:30:00.000Z'),
      moved(c4, B, C, '2026-10-26T00:00:00.000Z'),
      event('card.updated', c3, '2026-10-26T01:00:00.000Z', {
        dueAt: { from: null, to: '2026-10-27T06:00:00.000Z' },
      }),
      created(c5, A, '2026-10-26T02:00:00.000Z', '2026-10-27T20:00:00.000Z'),
      created(c6, A, '2026-10-26T03:00:00.000Z', '2026-10-30T00:00:00.000Z'),
      event('card.archived', c6, '2026-10-26T04:00:00.000Z', {
        archivedAt: { from: null, to: '2026-10-26T04:00:00.000Z' },
      }),
    ];
    await h.get(DataSource).transaction((em) => projector.apply(em, history));
  });
  afterAll(() => h.close());

  const viewer = () => ws.users[1].actor;
  const day = (d: string, count: number) => ({ day: d, count });

  it('cuts throughput, cycle and lead time and the CFD in the requested zone (DST end)', async () => {
    const m = await service.boardMetrics(viewer(), boardId, {
      from: '2026-10-20',
      to: '2026-10-26',
      tz: 'Europe/Berlin',
    });
    expect(m.throughput).toEqual([
      day('2026-10-20', 0),
      day('2026-10-21', 0),
      day('2026-10-22', 0),
      day('2026-10-23', 0),
      day('2026-10-24', 0),
      day('2026-10-25', 1),
      day('2026-10-26', 2),
    ]);
    // Cycle: c2 entered the done column straight from the first one (0 s), c1 3 d 14.5 h,
    // c4 5 d. Nearest-rank: p50 is the 2nd of 3, p85 and p95 the 3rd.
    expect(m.cycleTime).toEqual({ p50: 311_400, p85: 432_000, p95: 432_000, samples: 3 });
    // Lead: c2 37.5 h, c1 4 d 14.5 h, c4 5 d.
    expect(m.leadTime).toEqual({ p50: 397_800, p85: 432_000, p95: 432_000, samples: 3 });
    const cfd = Object.fromEntries(m.cfd.map((d) => [d.day, d.columns.map((c) => c.count)]));
    expect(m.cfd[0].columns.map((c) => c.columnId)).toEqual([A, B, C]);
    expect(cfd).toEqual({
      '2026-10-20': [1, 0, 0],
      '2026-10-21': [0, 2, 0],
      '2026-10-22': [0, 3, 0],
      '2026-10-23': [0, 3, 0],
      '2026-10-24': [1, 3, 0],
      '2026-10-25': [1, 2, 1],
      // c5 created, c6 created then archived the same day: archived cards leave the CFD.
      '2026-10-26': [1, 1, 3],
    });
  });

  it('cuts the same history in UTC days differently', async () => {
    const m = await service.boardMetrics(viewer(), boardId, {
      from: '2026-10-23',
      to: '2026-10-26',
      tz: 'UTC',
    });
    expect(m.throughput).toEqual([
      day('2026-10-23', 0),
      day('2026-10-24', 1),
      day('2026-10-25', 1),
      day('2026-10-26', 1),
    ]);
  });

  it('serves the workspace dashboard from the maintained data', async () => {
    const { body } = await service.dashboard(viewer(), ws.workspaceId);
    expect(body.boards).toHaveLength(1);
    const board = body.boards[0];
    expect(board.columns).toEqual([
      { columnId: A, name: 'To do', count: 1, wipLimit: null },
      { columnId: B, name: 'Doing', count: 1, wipLimit: null },
      { columnId: C, name: 'Done', count: 3, wipLimit: null },
    ]);
    expect(board.status).toEqual({ active: 2, done: 3, archived: 1 });
    // c3 is overdue, c5 due in 8 h; c6 (due in 3 days) is archived.
    expect([board.overdue, board.dueWithin24h, board.dueWithin7d]).toEqual([1, 1, 1]);
    const finished = board.throughput.filter((t) => t.count > 0);
    expect(finished).toEqual([day('2026-10-24', 1), day('2026-10-25', 1), day('2026-10-26', 1)]);
    expect(board.throughput).toHaveLength(30);
    expect(board.cycleTime).toEqual({ p50: 311_400, p85: 432_000, p95: 432_000, samples: 3 });
    // In progress: c3 only (started 22 Oct 12:00, now 27 Oct 12:00).
    expect(board.age.p50).toBe(432_000);
    expect(board.age.oldest).toEqual([
      { cardId: c3, title: null, columnId: B, ageSeconds: 432_000 },
    ]);
    expect(body.totals.status).toEqual(board.status);
    expect(body.totals.cycleTime).toEqual(board.cycleTime);
    expect(body.reminders).toEqual({ upcoming24h: 0, fired7d: 0, late7d: 0 });
    expect(body.connectors).toEqual([]);
  });

  it('shows another tenant nothing: 404 for the board, an empty dashboard of its own', async () => {
    const outsider = other.users[0].actor;
    await expect(
      service.boardMetrics(outsider, boardId, { from: '2026-10-20', to: '2026-10-26' }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(service.dashboard(outsider, ws.workspaceId)).rejects.toMatchObject({
      status: 404,
    });
    const own = await service.dashboard(outsider, other.workspaceId);
    expect(own.body.boards).toEqual([]);
    expect(own.body.totals.status).toEqual({ active: 0, done: 0, archived: 0 });
    expect(own.body.totals.cycleTime.samples).toBe(0);
  });

  it.each([
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
    [{ from: '2026-03-02', to: '2026-03-01' }, 'to'],
    [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
    [{ from: '2026-01-01', to: '2026-01-02', tz: 'Mars/Olympus' }, 'tz'],
    [{ from: '2026-01-01', to: '2026-01-02', tz: '+02:00' }, 'tz'],
  ])('refuses the range %j with a 422 naming %s', async (query, field) => {
    const err = (await service
      .boardMetrics(viewer(), boardId, query)
      .catch((e: unknown) => e)) as ProblemException;
    expect(err).toBeInstanceOf(ProblemException);
    expect(err.status).toBe(422);
    expect(err.extras.errors?.map((e) => e.field)).toContain(field);
  });

  it('accepts exactly 366 days', async () => {
    const m = await service.boardMetrics(viewer(), boardId, {
      from: '2025-10-27',
      to: '2026-10-27',
    });
    expect(m.throughput).toHaveLength(366);
    expect(m.cfd).toHaveLength(366);
  });
  describe('on a board with a column marked "in progress"', () => {
    const board = newId();
    const [backlog, ready, doing, done] = [newId(), newId(), newId(), newId()];
    const [d1, d2, d3, d4, d5] = [newId(), newId(), newId(), newId(), newId()];
    const startOf = async (card: string) =>
      (
        await h.query<{ startedAt: Date | null }>(
          'SELECT started_at AS "startedAt" FROM dashboard_cards WHERE workspace_id = $1 AND card_id = $2',
          [marked.workspaceId, card],
        )
      )[0].startedAt?.toISOString() ?? null;

    beforeAll(async () => {
      await h.query(
        `INSERT INTO dashboard_boards (id, workspace_id, name) VALUES ($1, $2, 'Marked')`,
        [board, marked.workspaceId],
      );
      for (const [id, name, position, isDone, inProgress] of [
        [backlog, 'Backlog', 'a', false, false],
        [ready, 'Ready', 'b', false, false],
        [doing, 'Doing', 'c', false, true],
        [done, 'Done', 'd', true, false],
      ] as const) {
        await h.query(
          `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position, is_done,
                                          in_progress)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [marked.workspaceId, id, board, name, position, isDone, inProgress],
        );
      }
      const m = marked;
      const history = [
        // Through every column: starts on entering Doing (22 Oct), not Ready (21 Oct).
        created(d1, backlog, '2026-10-20T00:00:00.000Z', null, m),
        moved(d1, backlog, ready, '2026-10-21T00:00:00.000Z', m),
        moved(d1, ready, doing, '2026-10-22T00:00:00.000Z', m),
        moved(d1, doing, done, '2026-10-24T00:00:00.000Z', m),
        // Skips Doing: starts on entering Done (cycle 0).
        created(d2, ready, '2026-10-22T06:00:00.000Z', null, m),
        moved(d2, ready, done, '2026-10-23T06:00:00.000Z', m),
        // Created in Doing: starts at creation.
        created(d3, doing, '2026-10-25T00:00:00.000Z', null, m),
        // Ready is not in progress: not started.
        created(d4, backlog, '2026-10-25T00:00:00.000Z', null, m),
        moved(d4, backlog, ready, '2026-10-25T06:00:00.000Z', m),
        // Doing unmarked: the board has no marked column any more, today's rule applies to
        // entries from now on (d5 starts in Ready); d4's recorded state stays as it was.
        event(
          'column.updated',
          doing,
          '2026-10-26T00:00:00.000Z',
          { inProgress: { from: true, to: false } },
          m,
        ),
        created(d5, backlog, '2026-10-26T01:00:00.000Z', null, m),
        moved(d5, backlog, ready, '2026-10-26T02:00:00.000Z', m),
      ];
      await h.get(DataSource).transaction((em) => projector.apply(em, history));
    });

    it('starts a card on its first entry into a marked column, or into the done column', async () => {
      expect(await startOf(d1)).toBe('2026-10-22T00:00:00.000Z');
      expect(await startOf(d2)).toBe('2026-10-23T06:00:00.000Z');
      expect(await startOf(d3)).toBe('2026-10-25T00:00:00.000Z');
      expect(await startOf(d4)).toBeNull();
      const m = await service.boardMetrics(marked.users[0].actor, board, {
        from: '2026-10-20',
        to: '2026-10-26',
        tz: 'UTC',
      });
      // Cycle: d2 0 s (skipped Doing), d1 2 d (Doing to Done). Nearest rank of 2: p50 the 1st.
      expect(m.cycleTime).toEqual({ p50: 0, p85: 172_800, p95: 172_800, samples: 2 });
      // Lead: d2 1 d, d1 4 d.
      expect(m.leadTime).toEqual({ p50: 86_400, p85: 345_600, p95: 345_600, samples: 2 });
    });

    it('applies unmarking to entries from then on, leaving recorded starts', async () => {
      expect(await startOf(d5)).toBe('2026-10-26T02:00:00.000Z');
      expect(await startOf(d4)).toBeNull();
      const [copy] = await h.query<{ inProgress: boolean }>(
        'SELECT in_progress AS "inProgress" FROM dashboard_columns WHERE workspace_id = $1 AND column_id = $2',
        [marked.workspaceId, doing],
      );
      expect(copy.inProgress).toBe(false);
      const { body } = await service.dashboard(marked.users[0].actor, marked.workspaceId);
      // In progress now: d3 (since 25 Oct 00:00, 2.5 d) and d5 (since 26 Oct 02:00, 34 h).
      expect(body.boards[0].age.oldest.map((o) => [o.cardId, o.ageSeconds])).toEqual([
        [d3, 216_000],
        [d5, 122_400],
      ]);
    });
  });
});

import { ProblemException } from '../../src/common/problem.js';
import { DashboardModule } from '../../src/dashboard/dashboard.module.js';
import { DashboardService } from '../../src/dashboard/dashboard.service.js';
import { newId } from '../../src/database/uuid.js';
import { FakeClock } from '../../src/kernel/clock.js';
import { MetricsService } from '../../src/kernel/metrics.js';
import { bootHarness, type Harness, type SeededWorkspace } from '../support/harness.js';

const CONCURRENT = 12;
const MINUTE_MS = 60_000;

type Compute = (...args: unknown[]) => Promise<unknown>;

/**
 * The dashboard's and board metrics' answers kept by validator, against the real service and
 * database with the clock fixed (the validator's minute stands still): concurrent misses on a
 * cold key compute once, a kept answer is still refused to whoever may not read it, and a new
 * minute is a new key.
 */
describe('dashboard answers kept by validator (single computation)', () => {
  let h: Harness;
  let service: DashboardService;
  let ws: SeededWorkspace;
  let other: SeededWorkspace;
  const boardId = newId();
  const computed = { computeDashboard: 0, computeBoardMetrics: 0 };

  /** Counts the service's computations (the cache calls them through `this`). */
  function countComputations(): void {
    const target = service as unknown as Record<keyof typeof computed, Compute>;
    for (const name of Object.keys(computed) as Array<keyof typeof computed>) {
      const original = target[name].bind(service);
      target[name] = (...args) => {
        computed[name] += 1;
        return original(...args);
      };
    }
  }

  const lookups = async (representation: string): Promise<Record<string, number>> => {
    const metric = h
      .get(MetricsService)
      .registry.getSingleMetric('workdeck_dashboard_cache_lookups_total');
    const { values } = await metric!.get();
    return Object.fromEntries(
      values
        .filter((v) => v.labels.representation === representation)
        .map((v) => [String(v.labels.outcome), v.value]),
    );
  };

  beforeAll(async () => {
    h = await bootHarness({
      imports: [DashboardModule],
      clock: new FakeClock(new Date('2026-10-27T12:00:00Z')),
    });
    service = h.get(DashboardService);
    countComputations();
    ws = await h.seedWorkspace(['owner', 'viewer']);
    other = await h.seedWorkspace(['owner']);
    await h.query(`INSERT INTO dashboard_boards (id, workspace_id, name) VALUES ($1, $2, 'Kept')`, [
      boardId,
      ws.workspaceId,
    ]);
    for (const [position, isDone] of [
      ['a', false],
      ['b', true],
    ] as const) {
      await h.query(
        `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position, is_done)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [ws.workspaceId, newId(), boardId, `Column ${position}`, position, isDone],
      );
    }
  });
  afterAll(() => h.close());

  const viewer = () => ws.users[1].actor;
  const outsider = () => other.users[0].actor;

  it('computes a cold dashboard once for concurrent requests, all answered alike', async () => {
    const before = computed.computeDashboard;
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => service.dashboard(viewer(), ws.workspaceId)),
    );
    expect(computed.computeDashboard - before).toBe(1);
    expect(new Set(answers.map((a) => a.etag)).size).toBe(1);
    for (const a of answers) expect(a.body).toEqual(answers[0].body);
    expect(answers[0].body.boards.map((b) => b.boardId)).toEqual([boardId]);
    const counts = await lookups('dashboard');
    expect(counts.miss).toBe(1);
    expect((counts.joined ?? 0) + (counts.hit ?? 0)).toBe(CONCURRENT - 1);

    // Kept: asked again, nothing is computed.
    await service.dashboard(ws.users[0].actor, ws.workspaceId);
    expect(computed.computeDashboard - before).toBe(1);
  });

  it('still refuses a kept dashboard to another tenant, and serves it to a viewer', async () => {
    const kept = await service.dashboard(viewer(), ws.workspaceId);
    const before = computed.computeDashboard;
    const err = (await service
      .dashboard(outsider(), ws.workspaceId)
      .catch((e: unknown) => e)) as ProblemException;
    expect(err).toBeInstanceOf(ProblemException);
    expect(err.status).toBe(404);
    expect(await service.dashboard(viewer(), ws.workspaceId)).toEqual(kept);
    expect(computed.computeDashboard).toBe(before);
  });

  it('computes anew in the next minute (the validator moved)', async () => {
    const first = await service.dashboard(viewer(), ws.workspaceId);
    const before = computed.computeDashboard;
    h.clock.advance(MINUTE_MS);
    const next = await service.dashboard(viewer(), ws.workspaceId);
    expect(next.etag).not.toBe(first.etag);
    expect(computed.computeDashboard - before).toBe(1);
  });

  it('hands out the previous answer, with its ETag, while the new one is computed', async () => {
    const first = await service.dashboard(viewer(), ws.workspaceId);
    h.clock.advance(MINUTE_MS); // a new validator: the next request computes
    const target = service as unknown as Record<'computeDashboard', Compute>;
    const compute = target.computeDashboard;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    target.computeDashboard = async (...args) => {
      await gate;
      return compute(...args);
    };
    try {
      const misses = (await lookups('dashboard')).miss;
      const computing = service.dashboard(viewer(), ws.workspaceId);
      for (let i = 0; i < 400 && (await lookups('dashboard')).miss === misses; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect((await lookups('dashboard')).miss).toBe(misses + 1);
      const stale = (await lookups('dashboard')).stale ?? 0;
      // Meanwhile: the previous answer under its own ETag, and 304 to whoever holds that ETag.
      const meanwhile = await service.dashboard(viewer(), ws.workspaceId);
      expect(meanwhile.etag).toBe(first.etag);
      expect(meanwhile.body).toEqual(first.body);
      expect(
        await service.dashboard(viewer(), ws.workspaceId, (etag) => etag === first.etag),
      ).toEqual({ etag: first.etag });
      // Still refused to another tenant while stale answers are handed out.
      const err = (await service
        .dashboard(outsider(), ws.workspaceId)
        .catch((e: unknown) => e)) as ProblemException;
      expect(err.status).toBe(404);
      expect((await lookups('dashboard')).stale).toBe(stale + 2);
      open();
      const fresh = await computing;
      expect(fresh.etag).not.toBe(first.etag);
      expect(await service.dashboard(viewer(), ws.workspaceId)).toEqual(fresh);
    } finally {
      open();
      target.computeDashboard = compute;
    }
  });

  it('computes cold board metrics once per range and zone, refused to another tenant', async () => {
    const range = { from: '2026-10-01', to: '2026-10-27', tz: 'Europe/Berlin' };
    const before = computed.computeBoardMetrics;
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => service.boardMetrics(viewer(), boardId, range)),
    );
    expect(computed.computeBoardMetrics - before).toBe(1);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0].cfd).toHaveLength(27);

    const err = (await service
      .boardMetrics(outsider(), boardId, range)
      .catch((e: unknown) => e)) as ProblemException;
    expect(err).toBeInstanceOf(ProblemException);
    expect(err.status).toBe(404);

    // Another zone is another answer; the same query again is kept.
    const utc = await service.boardMetrics(viewer(), boardId, { ...range, tz: 'UTC' });
    expect(utc.tz).toBe('UTC');
    await service.boardMetrics(viewer(), boardId, range);
    expect(computed.computeBoardMetrics - before).toBe(2);
  });
});

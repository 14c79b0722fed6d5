import type { AuditEventInput } from '../../src/audit/audit.service.js';
import { newId } from '../../src/database/uuid.js';
import { EventProjections } from '../../src/kernel/event-projections.js';
import { defineEvents } from '../../src/kernel/events.js';
import { WorkspaceUnitOfWork } from '../../src/kernel/unit-of-work.js';
import { bootHarness, type Harness } from '../support/harness.js';

const ProbeEvents = defineEvents('projection_probe', {
  counted: { description: 'A probe event (event projection specs).', deliverable: false },
});

/** A table of the spec's own: what the probe projection keeps, per workspace. */
const PROBE_TABLE = 'kernel_projection_probe';

describe('EventProjections (in the unit of work, at commit)', () => {
  let h: Harness;
  let uow: WorkspaceUnitOfWork;
  let seen: AuditEventInput[][];
  let failNext = false;

  beforeAll(async () => {
    h = await bootHarness();
    uow = h.get(WorkspaceUnitOfWork);
    await h.query(
      `CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (workspace_id uuid PRIMARY KEY, n int NOT NULL)`,
    );
    seen = [];
    h.get(EventProjections).register('probe', async (em, events) => {
      seen.push([...events]);
      // The events are not in the log yet: the projection runs before the append.
      const logged = (await em.query(
        'SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1',
        [events[0].workspaceId],
      )) as Array<{ n: number }>;
      if (logged[0].n !== 0) throw new Error('projection ran after the append');
      await em.query(
        `INSERT INTO ${PROBE_TABLE} (workspace_id, n) VALUES ($1, $2)
         ON CONFLICT (workspace_id) DO UPDATE SET n = ${PROBE_TABLE}.n + EXCLUDED.n`,
        [events[0].workspaceId, events.length],
      );
      if (failNext) throw new Error('projection failed');
    });
  });
  afterAll(async () => {
    await h.query(`DROP TABLE IF EXISTS ${PROBE_TABLE}`);
    await h.close();
  });

  const counted = async (workspaceId: string) =>
    (
      await h.query<{ n: number }>(`SELECT n FROM ${PROBE_TABLE} WHERE workspace_id = $1`, [
        workspaceId,
      ])
    )[0]?.n ?? 0;
  const logged = async (workspaceId: string) =>
    (
      await h.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1',
        [workspaceId],
      )
    )[0].n;

  it("hands a unit of work's events to the projection once, in its transaction", async () => {
    const ws = await h.seedWorkspace(['member']);
    const before = seen.length;
    await uow.write(ws.users[0].actor, { workspaceId: ws.workspaceId }, 'member', async (s) => {
      s.record(ProbeEvents.counted, newId());
      s.record(ProbeEvents.counted, newId(), { n: { from: 1, to: 2 } });
    });
    expect(seen.length - before).toBe(1);
    expect(seen.at(-1)!.map((e) => e.action)).toEqual([
      'projection_probe.counted',
      'projection_probe.counted',
    ]);
    expect(await counted(ws.workspaceId)).toBe(2);
    expect(await logged(ws.workspaceId)).toBe(2);
  });

  it('rolls the whole change back when the projection fails', async () => {
    const ws = await h.seedWorkspace(['member']);
    const boardId = newId();
    failNext = true;
    try {
      await expect(
        uow.write(ws.users[0].actor, { workspaceId: ws.workspaceId }, 'member', async (s) => {
          await s.query(
            `INSERT INTO boards (id, workspace_id, name, created_by) VALUES ($1, $2, 'B', $3)`,
            [boardId, s.workspaceId, s.userId],
          );
          s.record(ProbeEvents.counted, boardId);
        }),
      ).rejects.toThrow('projection failed');
    } finally {
      failNext = false;
    }
    expect(await counted(ws.workspaceId)).toBe(0);
    expect(await logged(ws.workspaceId)).toBe(0);
    expect(await h.query('SELECT id FROM boards WHERE id = $1', [boardId])).toEqual([]);
  });

  it('is not called for a unit of work that records nothing', async () => {
    const ws = await h.seedWorkspace(['member']);
    const before = seen.length;
    await uow.write(ws.users[0].actor, { workspaceId: ws.workspaceId }, 'member', async () => 1);
    expect(seen.length).toBe(before);
  });

  it('refuses a second registration under the same name', () => {
    expect(() => h.get(EventProjections).register('probe', async () => undefined)).toThrow(
      'registered twice',
    );
  });
});

import { Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProblemException } from '../../src/common/problem.js';
import { newId } from '../../src/database/uuid.js';
import { SystemActors, type Actor } from '../../src/kernel/actor.js';
import { defineEvents, type EventType } from '../../src/kernel/events.js';
import {
  OutboxConsumer,
  OutboxConsumerRunner,
  type OutboxEvent,
  type OutboxHandler,
} from '../../src/kernel/outbox-consumers.js';
import { defineTenantTable, defineWorkspaceView } from '../../src/kernel/tenancy.js';
import { WorkspaceUnitOfWork } from '../../src/kernel/unit-of-work.js';
import { onRealPostgres } from '../support/app.js';
import { bootHarness, type Harness } from '../support/harness.js';

const KernelTestEvents = defineEvents('kernel_probe', {
  touched: { description: 'A probe touched a board (kernel specs).', deliverable: false },
});

const Boards = defineTenantTable<{ id: string; name: string }>({
  table: 'boards',
  notFound: 'Board not found.',
  select: 't.id, t.name',
});

async function insertBoard(h: Harness, workspaceId: string, createdBy: string): Promise<string> {
  const id = newId();
  await h.query(
    `INSERT INTO boards (id, workspace_id, name, created_by) VALUES ($1, $2, 'Probe', $3)`,
    [id, workspaceId, createdBy],
  );
  return id;
}

async function problemOf(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemException) return { status: err.status, code: err.kind.code };
    throw err;
  }
  throw new Error('expected a problem');
}

async function eventsOf(h: Harness, workspaceId: string) {
  return h.query<{ action: string; actor_type: string; actor_id: string; seq: string }>(
    `SELECT action, actor_type, actor_id, seq FROM audit_events WHERE workspace_id = $1 ORDER BY seq`,
    [workspaceId],
  );
}

describe('WorkspaceUnitOfWork', () => {
  let h: Harness;
  let uow: WorkspaceUnitOfWork;
  beforeAll(async () => {
    h = await bootHarness();
    uow = h.get(WorkspaceUnitOfWork);
  });
  afterAll(() => h.close());

  it('resolves a row and the caller role in one step, records events at commit', async () => {
    const ws = await h.seedWorkspace(['member']);
    const boardId = await insertBoard(h, ws.workspaceId, ws.users[0].userId);
    const name = await uow.write(ws.users[0].actor, Boards.ref(boardId), 'member', async (s) => {
      expect(s.workspaceId).toBe(ws.workspaceId);
      expect(s.role).toBe('member');
      s.record(KernelTestEvents.touched, s.row.id, { name: { from: null, to: s.row.name } });
      // Appended just before commit: not yet in the log inside the work.
      expect(
        await s.query('SELECT 1 FROM audit_events WHERE workspace_id = $1', [s.workspaceId]),
      ).toHaveLength(0);
      return s.row.name;
    });
    expect(name).toBe('Probe');
    expect(await eventsOf(h, ws.workspaceId)).toEqual([
      {
        action: 'kernel_probe.touched',
        actor_type: 'user',
        actor_id: ws.users[0].userId,
        seq: '1',
      },
    ]);
  });

  it('answers 404 for another tenant and for a missing row alike, 403 for a low role', async () => {
    const mine = await h.seedWorkspace(['viewer']);
    const theirs = await h.seedWorkspace(['owner']);
    const theirBoard = await insertBoard(h, theirs.workspaceId, theirs.users[0].userId);
    const myBoard = await insertBoard(h, mine.workspaceId, mine.users[0].userId);
    const me = mine.users[0].actor;
    const work = async () => 'done';
    expect(await problemOf(uow.read(me, Boards.ref(theirBoard), 'viewer', work))).toEqual({
      status: 404,
      code: 'not-found',
    });
    expect(await problemOf(uow.read(me, Boards.ref(newId()), 'viewer', work))).toEqual({
      status: 404,
      code: 'not-found',
    });
    expect(
      await problemOf(uow.read(me, { workspaceId: theirs.workspaceId }, 'viewer', work)),
    ).toEqual({
      status: 404,
      code: 'not-found',
    });
    expect(await problemOf(uow.write(me, Boards.ref(myBoard), 'member', work))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect(await uow.read(me, Boards.ref(myBoard), 'viewer', work)).toBe('done');
  });

  it('reads a workspace view in the tenancy statement, and refuses it like a workspace', async () => {
    const Named = defineWorkspaceView<{ name: string }>('t.name AS "name"');
    const mine = await h.seedWorkspace(['viewer']);
    const theirs = await h.seedWorkspace(['owner']);
    const me = mine.users[0].actor;
    const [{ name }] = await h.query<{ name: string }>(
      'SELECT name FROM workspaces WHERE id = $1',
      [mine.workspaceId],
    );
    expect(
      await uow.read(me, Named.ref(mine.workspaceId), 'viewer', async (s) => ({
        workspaceId: s.workspaceId,
        role: s.role,
        row: s.row,
      })),
    ).toEqual({ workspaceId: mine.workspaceId, role: 'viewer', row: { name } });
    const work = async () => 'done';
    const notFound = { status: 404, code: 'not-found' };
    expect(await problemOf(uow.read(me, Named.ref(theirs.workspaceId), 'viewer', work))).toEqual(
      notFound,
    );
    expect(await problemOf(uow.read(me, Named.ref(newId()), 'viewer', work))).toEqual(notFound);
    expect(await problemOf(uow.write(me, Named.ref(mine.workspaceId), 'member', work))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    await h.query('UPDATE workspaces SET deleted_at = now() WHERE id = $1', [mine.workspaceId]);
    expect(await problemOf(uow.read(me, Named.ref(mine.workspaceId), 'viewer', work))).toEqual(
      notFound,
    );
  });

  it('holds API tokens to their scopes', async () => {
    const ws = await h.seedWorkspace(['owner']);
    const token = (scopes: Array<'read' | 'write' | 'admin'>): Actor => ({
      type: 'token',
      userId: ws.users[0].userId,
      tokenId: newId(),
      scopes,
    });
    const target = { workspaceId: ws.workspaceId };
    const work = async () => 'ok';
    expect(await problemOf(uow.write(token(['write']), target, 'admin', work))).toEqual({
      status: 403,
      code: 'insufficient-scope',
    });
    expect(await problemOf(uow.write(token(['read']), target, 'member', work))).toEqual({
      status: 403,
      code: 'insufficient-scope',
    });
    expect(await uow.write(token(['admin']), target, 'admin', work)).toBe('ok');
    expect(await uow.read(token(['read']), target, 'viewer', work)).toBe('ok');
  });

  it('lets system actors through with their own rights and shows them in the log', async () => {
    const a = await h.seedWorkspace(['owner']);
    const b = await h.seedWorkspace(['owner']);
    await uow.write(SystemActors.reminders, { workspaceId: a.workspaceId }, 'member', async (s) =>
      s.record(KernelTestEvents.touched, null),
    );
    const hook = SystemActors.connector(newId(), a.workspaceId);
    await uow.write(hook, { workspaceId: a.workspaceId }, 'member', async (s) =>
      s.record(KernelTestEvents.touched, null),
    );
    expect(
      await problemOf(uow.write(hook, { workspaceId: b.workspaceId }, 'member', async () => 1)),
    ).toEqual({
      status: 404,
      code: 'not-found',
    });
    expect(
      await problemOf(
        uow.write(SystemActors.reminders, { workspaceId: a.workspaceId }, 'admin', async () => 1),
      ),
    ).toEqual({
      status: 403,
      code: 'forbidden',
    });
    const events = await eventsOf(h, a.workspaceId);
    expect(events.map((e) => `${e.actor_type}:${e.actor_id}`)).toEqual([
      'system:reminders',
      `system:${hook.name}`,
    ]);
  });

  it('records nothing when the work fails, and refuses undeclared events', async () => {
    const ws = await h.seedWorkspace(['member']);
    const actor = ws.users[0].actor;
    await expect(
      uow.write(actor, { workspaceId: ws.workspaceId }, 'member', async (s) => {
        s.record(KernelTestEvents.touched, null);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await eventsOf(h, ws.workspaceId)).toHaveLength(0);
    const forged = {
      action: 'kernel_probe.touched',
      entityType: 'kernel_probe',
      description: '',
      deliverable: true,
    } as EventType;
    await expect(
      uow.write(actor, { workspaceId: ws.workspaceId }, 'member', async (s) =>
        s.record(forged, null),
      ),
    ).rejects.toThrow(/not declared/);
    await expect(
      uow.read(actor, { workspaceId: ws.workspaceId }, 'viewer', async (s) =>
        s.record(KernelTestEvents.touched, null),
      ),
    ).rejects.toThrow(/read-only/);
  });
});

const handled: Array<{ instance: string; id: string; chainKey: string; seq: number }> = [];
let failNext = 0;

function probeConsumer(instance: string) {
  @OutboxConsumer({ name: 'kernel.probe', batch: 7 })
  @Injectable()
  class ProbeConsumer implements OutboxHandler {
    async handle(events: OutboxEvent[], em: EntityManager): Promise<void> {
      await em.query('SELECT 1');
      if (failNext > 0) {
        failNext -= 1;
        throw new Error('crash mid-batch');
      }
      for (const e of events) {
        if (e.action === 'kernel_probe.touched') {
          handled.push({ instance, id: e.id, chainKey: e.chainKey, seq: e.seq });
        }
      }
    }
  }
  @Module({ providers: [ProbeConsumer] })
  class ProbeModule {}
  return ProbeModule;
}

(onRealPostgres() ? describe : describe.skip)(
  'declared outbox consumers (real PostgreSQL: two instances)',
  () => {
    let a: Harness;
    let b: Harness;
    beforeAll(async () => {
      a = await bootHarness({ imports: [probeConsumer('a')] });
      b = await bootHarness({ imports: [probeConsumer('b')] });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('two instances racing hand every committed event out once, in order per chain', async () => {
      const uow = a.get(WorkspaceUnitOfWork);
      const spaces = await Promise.all([1, 2, 3, 4, 5].map(() => a.seedWorkspace(['member'])));
      const ids = new Set<string>();
      // Events of several chains in one transaction, in both orders: locks in a stable order.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const [x, y] = i % 2 ? [spaces[0], spaces[1]] : [spaces[1], spaces[0]];
          return a
            .get(WorkspaceUnitOfWork)
            .write(x.users[0].actor, { workspaceId: x.workspaceId }, 'member', async (s) => {
              s.record(KernelTestEvents.touched, null);
              await uow.write(
                SystemActors.reminders,
                { workspaceId: y.workspaceId },
                'member',
                async (t) => t.record(KernelTestEvents.touched, null),
              );
            });
        }),
      );
      for (const ws of spaces.slice(2)) {
        for (let i = 0; i < 10; i++) {
          await uow.write(ws.users[0].actor, { workspaceId: ws.workspaceId }, 'member', async (s) =>
            s.record(KernelTestEvents.touched, null),
          );
        }
      }
      const all = await a.query<{ id: string }>(
        `SELECT id FROM audit_events WHERE workspace_id = ANY($1::uuid[])`,
        [spaces.map((s) => s.workspaceId)],
      );
      all.forEach((e) => ids.add(e.id));
      expect(ids.size).toBe(110);

      handled.length = 0;
      failNext = 2; // two batches crash before commit: handed out again
      const runA = a.get(OutboxConsumerRunner);
      const runB = b.get(OutboxConsumerRunner);
      let crashes = 0;
      const ticked = new Map<OutboxConsumerRunner, number>();
      const loop = async (runner: OutboxConsumerRunner) => {
        for (let idle = 0; idle < 3;) {
          try {
            const n = await runner.tick('kernel.probe');
            ticked.set(runner, (ticked.get(runner) ?? 0) + n);
            idle = n === 0 ? idle + 1 : 0;
          } catch (err) {
            if (!String(err).includes('crash mid-batch')) throw err;
            crashes += 1;
            idle = 0;
          }
        }
      };
      await Promise.all([loop(runA), loop(runB), loop(runA), loop(runB)]);
      expect(crashes).toBe(2);
      const mine = handled.filter((e) => ids.has(e.id));
      expect(new Set(mine.map((e) => e.id)).size).toBe(110);
      expect(mine).toHaveLength(110);
      expect(runA).not.toBe(runB);
      expect((ticked.get(runA) ?? 0) + (ticked.get(runB) ?? 0)).toBeGreaterThanOrEqual(110);
      const byChain = new Map<string, number[]>();
      for (const e of mine) byChain.set(e.chainKey, [...(byChain.get(e.chainKey) ?? []), e.seq]);
      for (const seqs of byChain.values()) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    });
  },
);

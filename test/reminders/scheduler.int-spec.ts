import type pg from 'pg';
import { describeOnPostgres, testPool } from '../support/db.js';
import {
  counts,
  drain,
  type Instance,
  seedReminders,
  seedWorkspace,
  startInstance,
} from './scheduler-support.js';

const T0 = new Date('2030-01-07T09:00:00Z');
const SECOND = 1000;
const HOUR = 3_600_000;

describeOnPostgres('reminder scheduler on PostgreSQL', () => {
  let db: pg.Pool;
  const instances: Instance[] = [];
  const instance = async (now: Date, batch?: number): Promise<Instance> => {
    const i = await startInstance(now, batch);
    instances.push(i);
    return i;
  };

  beforeAll(() => {
    db = testPool();
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.close()));
  });
  afterAll(async () => {
    await db.end();
  });

  const dueSet = async (workspaces: number, perWorkspace: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let w = 0; w < workspaces; w += 1) {
      const ws = await seedWorkspace(db);
      ids.push(
        ...(await seedReminders(
          db,
          ws,
          Array.from({ length: perWorkspace }, () => ({ nextFireAt: T0 })),
        )),
      );
    }
    return ids;
  };

  it.each([2, 3])(
    '%i schedulers racing on the same due set fire every reminder exactly once',
    async (n) => {
      const ids = await dueSet(6, 40);
      const racers = await Promise.all(
        Array.from({ length: n }, () => instance(new Date(T0.getTime() + SECOND), 25)),
      );
      // (Other spec files share the database: count only this test's reminders.)
      await Promise.all(racers.map((r) => drain(r)));
      const c = await counts(db, ids);
      expect(c).toEqual({
        occurrences: ids.length,
        distinctSlots: ids.length,
        fired: ids.length,
        events: ids.length,
        eventsPerReminderMax: 1,
      });
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM reminders WHERE id = ANY($1) AND next_fire_at IS NOT NULL`,
        [ids],
      );
      expect(rows[0].n).toBe(0);
    },
  );

  it('all due in ONE workspace: racers still fire each once and the audit chain stays gap-free', async () => {
    const ids = await dueSet(1, 120);
    const racers = await Promise.all(
      [1, 2, 3].map(() => instance(new Date(T0.getTime() + SECOND), 30)),
    );
    await Promise.all(racers.map((r) => drain(r)));
    expect((await counts(db, ids)).events).toBe(ids.length);
    const { rows } = await db.query(
      `SELECT max(seq)::int - min(seq)::int + 1 AS span, count(*)::int AS n FROM audit_events
        WHERE action = 'reminder.fired' AND entity_id = ANY($1)`,
      [ids],
    );
    expect(rows[0].span).toBe(rows[0].n);
  });

  it('a batch that fails after writing (transaction aborted) leaves nothing; the next run fires all once', async () => {
    const ids = await dueSet(2, 30);
    const crashing = await instance(new Date(T0.getTime() + SECOND), 100);
    crashing.sink.fault = async () => {
      throw new Error('crash after appending events');
    };
    await expect(crashing.scheduler.tick()).rejects.toThrow('crash after appending events');
    expect(await counts(db, ids)).toMatchObject({ occurrences: 0, events: 0 });
    const healthy = await instance(new Date(T0.getTime() + 2 * SECOND), 100);
    await drain(healthy);
    expect(await counts(db, ids)).toMatchObject({
      occurrences: ids.length,
      events: ids.length,
      eventsPerReminderMax: 1,
    });
  });

  it('a scheduler whose connection is killed mid-batch loses nothing and duplicates nothing', async () => {
    const ids = await dueSet(2, 30);
    const victim = await instance(new Date(T0.getTime() + SECOND), 100);
    victim.sink.fault = async (em) => {
      // The server ends this backend in the middle of the claim transaction (as a crash would).
      await em.query('SELECT pg_terminate_backend(pg_backend_pid())');
    };
    await expect(victim.scheduler.tick()).rejects.toThrow();
    expect(await counts(db, ids)).toMatchObject({ occurrences: 0, events: 0 });
    const survivor = await instance(new Date(T0.getTime() + 2 * SECOND), 100);
    await drain(survivor);
    expect(await counts(db, ids)).toMatchObject({
      occurrences: ids.length,
      events: ids.length,
      eventsPerReminderMax: 1,
    });
  });

  it('rows locked by one claim are skipped by another, which fires the rest', async () => {
    const ids = await dueSet(1, 10);
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT id FROM reminders WHERE id = ANY($1) FOR UPDATE`, [
        ids.slice(0, 4),
      ]);
      const other = await instance(new Date(T0.getTime() + SECOND), 100);
      // The bucket is free (no advisory lock is held by the client), the four rows are not.
      await drain(other);
      expect((await counts(db, ids.slice(0, 4))).events).toBe(0);
      expect((await counts(db, ids.slice(4))).events).toBe(6);
      await client.query('COMMIT');
      await drain(other);
    } finally {
      client.release();
    }
    expect((await counts(db, ids)).events).toBe(10);
  });

  it('a clock that jumps forward applies the catch-up policy; jumping back fires nothing again', async () => {
    const ws = await seedWorkspace(db);
    const [once, all, skip] = await seedReminders(db, ws, [
      { kind: 'cron', cron: '0 * * * *', catchUp: 'fire_once', nextFireAt: T0 },
      { kind: 'cron', cron: '0 * * * *', catchUp: 'fire_all', nextFireAt: T0 },
      { kind: 'cron', cron: '0 * * * *', catchUp: 'skip', nextFireAt: T0 },
    ]);
    const s = await instance(new Date(T0.getTime() + 30 * HOUR + 30 * 60_000));
    await drain(s);
    const occ = async (id: string) =>
      (
        await db.query<{ fired: number; skipped: number; late: number }>(
          `SELECT count(*) FILTER (WHERE fired_at IS NOT NULL)::int AS fired,
                  count(*) FILTER (WHERE skipped)::int AS skipped,
                  count(*) FILTER (WHERE late)::int AS late
             FROM reminder_occurrences WHERE reminder_id = $1`,
          [id],
        )
      ).rows[0];
    // 31 hourly occurrences were missed (09:00 day 1 .. 15:00 day 2).
    expect(await occ(once!)).toEqual({ fired: 1, skipped: 30, late: 1 });
    expect(await occ(all!)).toEqual({ fired: 10, skipped: 21, late: 10 });
    expect(await occ(skip!)).toEqual({ fired: 0, skipped: 31, late: 0 });
    const next = await db.query(`SELECT next_fire_at FROM reminders WHERE id = $1`, [once]);
    expect(next.rows[0].next_fire_at.toISOString()).toBe('2030-01-08T16:00:00.000Z');

    s.clock.current = new Date(T0.getTime() - HOUR); // the clock jumps back
    expect(await drain(s)).toBe(0);
    expect((await counts(db, [once!, all!, skip!])).eventsPerReminderMax).toBe(1);
    expect((await counts(db, [once!, all!, skip!])).events).toBe(11);
  });

  it('a recurring DST rule fires at the shifted instant and continues on the wall clock', async () => {
    const ws = await seedWorkspace(db);
    const [id] = await seedReminders(db, ws, [
      {
        kind: 'rrule',
        rrule: 'FREQ=DAILY',
        dtstart: '2030-03-09T02:30:00',
        timeZone: 'America/New_York',
        nextFireAt: new Date('2030-03-10T07:30:00Z'), // 02:30 does not exist on 2030-03-10: 03:30 EDT
      },
    ]);
    const s = await instance(new Date('2030-03-10T07:30:00.200Z'));
    await drain(s);
    expect(await counts(db, [id!])).toMatchObject({ occurrences: 1, events: 1 });
    const { rows } = await db.query(
      `SELECT next_fire_at, last_fired_for FROM reminders WHERE id = $1`,
      [id],
    );
    expect(rows[0].last_fired_for.toISOString()).toBe('2030-03-10T07:30:00.000Z');
    expect(rows[0].next_fire_at.toISOString()).toBe('2030-03-11T06:30:00.000Z');
  });
});

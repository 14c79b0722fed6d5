import type pg from 'pg';
import { startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres, testPool } from '../support/db.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, type Client } from '../support/http.js';

const REMINDERS = 12;
const DUE_IN_MS = 1500;
const SETTLE_MS = 4000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOnPostgres('reminders: user writes racing the scheduler (PostgreSQL)', () => {
  let app: TestApp;
  let api: Client;
  let db: pg.Pool;
  let team: Team;

  beforeAll(async () => {
    app = await startApp({ REMINDER_POLL_INTERVAL_MS: '20', DB_POOL_SIZE: '6' });
    api = client(app);
    db = testPool();
    team = await createTeam(api);
  });
  afterAll(async () => {
    await db.end();
    await app.stop();
  });

  it('snooze, ack and edits racing the firing never double-fire, half-write or 500', async () => {
    const token = team.member.accessToken;
    const dueAt = new Date(Date.now() + DUE_IN_MS).toISOString();
    const created = await Promise.all(
      Array.from({ length: REMINDERS }, (_, i) =>
        api.post(
          `/v1/workspaces/${team.workspaceId}/reminders`,
          { title: `race ${i}`, remindAt: dueAt },
          { token },
        ),
      ),
    );
    const ids = created.map((r) => r.body.id as string);
    // Hammer every reminder around its due time with edits, snoozes and acks.
    const statuses: number[] = [];
    const deadline = Date.now() + DUE_IN_MS + 1000;
    let round = 0;
    while (Date.now() < deadline) {
      round += 1;
      const results = await Promise.all(
        ids.map((id, i) => {
          const op = (i + round) % 3;
          if (op === 0)
            return api.patch(`/v1/reminders/${id}`, { title: `race ${i} r${round}` }, { token });
          if (op === 1)
            return api.post(
              `/v1/reminders/${id}/snooze`,
              { until: new Date(Date.now() + 500).toISOString() },
              { token },
            );
          return api.post(`/v1/reminders/${id}/ack`, {}, { token });
        }),
      );
      statuses.push(...results.map((r) => r.status));
    }
    await sleep(SETTLE_MS);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    // 422: a snooze whose `until` had already passed when a loaded machine served it.
    for (const s of statuses) expect([200, 409, 412, 422]).toContain(s);

    // Per occurrence slot: exactly one row; its events are one firing plus one per re-fire of a
    // snooze (each re-fire overwrites fired_at, so events >= 1 when fired, never more than rounds).
    const { rows: slots } = await db.query<{ reminder_id: string; scheduled_for: Date; n: number }>(
      `SELECT reminder_id, scheduled_for, count(*)::int AS n FROM reminder_occurrences
        WHERE reminder_id = ANY($1) GROUP BY 1, 2`,
      [ids],
    );
    for (const s of slots) expect(s.n).toBe(1);
    const { rows: unfired } = await db.query(
      `SELECT id FROM reminders WHERE id = ANY($1) AND state = 'active' AND next_fire_at < now() - interval '2 seconds'`,
      [ids],
    );
    expect(unfired).toEqual([]); // nothing due was left behind
    const { rows: fired } = await db.query<{ entity_id: string; scheduled: string; n: number }>(
      `SELECT entity_id, changes->'scheduledFor'->>'to' AS scheduled, count(*)::int AS n FROM audit_events
        WHERE action = 'reminder.fired' AND entity_id = ANY($1) GROUP BY 1, 2`,
      [ids],
    );
    // Every reminder fired its occurrence at least once (snoozes may re-fire it).
    expect(new Set(fired.map((f) => f.entity_id)).size).toBe(REMINDERS);
    const { rows: snoozes } = await db.query<{ entity_id: string; n: number }>(
      `SELECT entity_id, count(*)::int AS n FROM audit_events
        WHERE action = 'reminder.snoozed' AND entity_id = ANY($1) GROUP BY 1`,
      [ids],
    );
    const snoozeCount = new Map(snoozes.map((s) => [s.entity_id, s.n]));
    for (const f of fired) expect(f.n).toBeLessThanOrEqual(1 + (snoozeCount.get(f.entity_id) ?? 0));
    // The audit chain of the workspace is intact under all this.
    const verify = await api.get(`/v1/workspaces/${team.workspaceId}/audit-events/verify`, {
      token: team.owner.accessToken,
    });
    expect(verify.body.firstBrokenSeq ?? null).toBeNull();
  });
});

import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { accountChainKey } from '../../src/audit/audit.service.js';
import { startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres, testPool } from '../support/db.js';
import { client, type Client } from '../support/http.js';
import { createTeam, createWorkspace, registerUser, type TestUser } from '../support/factories.js';
import { inProcessAudit, type InProcessAudit } from './in-process.js';

const CONCURRENT_MEMBERS = 24;
const CONCURRENT_RENAMES = 10;
const POLL_MS = 20;

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describeOnPostgres('audit chain on the real PostgreSQL', () => {
  let app: TestApp;
  let api: Client;
  let pool: pg.Pool;
  let local: InProcessAudit;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    pool = testPool();
    local = await inProcessAudit();
  });
  afterAll(async () => {
    await local.close();
    await pool.end();
    await app.stop();
  });

  const chainRows = async (chainKey: string) =>
    (
      await pool.query<{ seq: string; action: string; prev_hash: string; hash: string }>(
        'SELECT seq, action, prev_hash, hash FROM audit_events WHERE chain_key = $1 ORDER BY seq',
        [chainKey],
      )
    ).rows;

  const verify = async (workspaceId: string, token: string) => {
    const res = await api.get(`/v1/workspaces/${workspaceId}/audit-events/verify`, { token });
    expect(res.status).toBe(200);
    return res.body as { ok: boolean; checked: number; firstBrokenSeq?: number };
  };

  describe('transactions', () => {
    it('leaves no event, and no used seq, when the transaction rolls back', async () => {
      const userId = randomUUID();
      const chainKey = accountChainKey(userId);
      const input = (action: string) => ({
        workspaceId: null,
        userId,
        action,
        entityType: 'test',
        entityId: null,
      });
      await local.tx.run((em) => local.audit.record(em, input('test.first')));
      await expect(
        local.tx.run(async (em) => {
          await local.audit.record(em, input('test.rolled_back'));
          throw new Error('the change failed after its event was written');
        }),
      ).rejects.toThrow('the change failed');
      await local.tx.run((em) => local.audit.record(em, input('test.second')));
      const rows = await chainRows(chainKey);
      expect(rows.map((r) => [Number(r.seq), r.action])).toEqual([
        [1, 'test.first'],
        [2, 'test.second'],
      ]);
      expect(rows[1].prev_hash).toBe(rows[0].hash);
    });

    it('refuses to record outside a transaction', async () => {
      await expect(
        local.audit.record(local.dataSource.manager, {
          workspaceId: null,
          userId: randomUUID(),
          action: 'test.loose',
          entityType: 'test',
          entityId: null,
        }),
      ).rejects.toThrow('inside TransactionHost.run');
    });
  });

  describe('append-only', () => {
    it.each([
      ['UPDATE', `UPDATE audit_events SET action = 'x.y' WHERE chain_key = $1`],
      ['DELETE', 'DELETE FROM audit_events WHERE chain_key = $1'],
    ])('rejects %s', async (op, sql) => {
      const user = await registerUser(api);
      await expect(pool.query(sql, [accountChainKey(user.id)])).rejects.toThrow(
        `audit_events is append-only: ${op} is not allowed`,
      );
      expect((await chainRows(accountChainKey(user.id))).map((r) => r.action)).toEqual([
        'user.registered',
      ]);
    });

    it('rejects TRUNCATE', async () => {
      await registerUser(api);
      await expect(pool.query('TRUNCATE audit_events')).rejects.toThrow(
        'audit_events is append-only: TRUNCATE is not allowed',
      );
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_events');
      expect(Number(rows[0].n)).toBeGreaterThan(0);
    });
  });

  describe('tampering behind the trigger’s back', () => {
    /** Runs `sql` with the append-only trigger disabled, in one transaction. */
    async function tamper(sql: string, params: unknown[]): Promise<void> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('ALTER TABLE audit_events DISABLE TRIGGER trg_audit_events_append_only');
        const res = await c.query(sql, params);
        expect(res.rowCount).toBe(1);
        await c.query('ALTER TABLE audit_events ENABLE TRIGGER trg_audit_events_append_only');
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK');
        throw err;
      } finally {
        c.release();
      }
    }

    it('reports an altered event at its seq', async () => {
      const team = await createTeam(api);
      expect(await verify(team.workspaceId, team.owner.accessToken)).toEqual({
        ok: true,
        checked: 4,
      });
      await tamper(
        `UPDATE audit_events SET changes = '{"role": {"from": null, "to": "owner"}}'
          WHERE chain_key = $1 AND seq = 3`,
        [`ws:${team.workspaceId}`],
      );
      expect(await verify(team.workspaceId, team.owner.accessToken)).toEqual({
        ok: false,
        checked: 2,
        firstBrokenSeq: 3,
      });
      // The trigger is back on.
      await expect(
        pool.query('DELETE FROM audit_events WHERE chain_key = $1', [`ws:${team.workspaceId}`]),
      ).rejects.toThrow('append-only');
    });

    it('reports a deleted event at the missing seq', async () => {
      const team = await createTeam(api);
      await tamper('DELETE FROM audit_events WHERE chain_key = $1 AND seq = 2', [
        `ws:${team.workspaceId}`,
      ]);
      expect(await verify(team.workspaceId, team.owner.accessToken)).toEqual({
        ok: false,
        checked: 1,
        firstBrokenSeq: 2,
      });
    });

    it('reports a changed timestamp of the newest event', async () => {
      const team = await createTeam(api);
      await tamper(
        `UPDATE audit_events SET occurred_at = occurred_at - interval '1 day'
          WHERE chain_key = $1 AND seq = 4`,
        [`ws:${team.workspaceId}`],
      );
      expect(await verify(team.workspaceId, team.owner.accessToken)).toEqual({
        ok: false,
        checked: 3,
        firstBrokenSeq: 4,
      });
    });
  });

  describe('concurrency', () => {
    /** A workspace with `n` registered users ready to be added. */
    async function workspaceWithCandidates(n: number) {
      const owner = await registerUser(api, 'Owner');
      const ws = await createWorkspace(api, owner.accessToken);
      const candidates: TestUser[] = await Promise.all(
        Array.from({ length: n }, () => registerUser(api, 'Candidate')),
      );
      return { owner, workspaceId: ws.id, candidates };
    }

    it('keeps one unbroken, gap-free chain per workspace under many concurrent writers', async () => {
      const [a, b] = await Promise.all([
        workspaceWithCandidates(CONCURRENT_MEMBERS),
        workspaceWithCandidates(CONCURRENT_MEMBERS),
      ]);
      const hammer = (w: typeof a) => [
        ...w.candidates.map((c) =>
          api.post(
            `/v1/workspaces/${w.workspaceId}/members`,
            { email: c.email, role: 'member' },
            { token: w.owner.accessToken },
          ),
        ),
        // Renames race on the workspace row too: some lose with 409 and must leave no event.
        ...Array.from({ length: CONCURRENT_RENAMES }, (_, i) =>
          api.patch(
            `/v1/workspaces/${w.workspaceId}`,
            { name: `Name ${i}` },
            { token: w.owner.accessToken },
          ),
        ),
      ];
      const results = await Promise.all([...hammer(a), ...hammer(b)]);
      expect(results.every((r) => [200, 201, 409].includes(r.status))).toBe(true);
      // Then every new member's role changes at once.
      const roleChanges = await Promise.all(
        [a, b].flatMap((w) =>
          w.candidates.map((c) =>
            api.patch(
              `/v1/workspaces/${w.workspaceId}/members/${c.id}`,
              { role: 'viewer' },
              { token: w.owner.accessToken },
            ),
          ),
        ),
      );
      expect(roleChanges.map((r) => r.status)).toEqual(roleChanges.map(() => 200));

      for (const w of [a, b]) {
        const chainKey = `ws:${w.workspaceId}`;
        const rows = await chainRows(chainKey);
        const renamed = results.filter(
          (r) => r.status === 200 && r.body.id === w.workspaceId,
        ).length;
        expect(rows.length).toBe(1 + CONCURRENT_MEMBERS + renamed + CONCURRENT_MEMBERS);
        expect(rows.filter((r) => r.action === 'workspace.updated').length).toBe(renamed);
        expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
        rows.forEach((r, i) => i > 0 && expect(r.prev_hash).toBe(rows[i - 1].hash));
        const head = await pool.query(
          'SELECT last_seq, last_hash FROM audit_chain_heads WHERE chain_key = $1',
          [chainKey],
        );
        expect(head.rows[0]).toEqual({
          last_seq: String(rows.length),
          last_hash: rows[rows.length - 1].hash,
        });
        expect(await verify(w.workspaceId, w.owner.accessToken)).toEqual({
          ok: true,
          checked: rows.length,
        });
      }
    });

    it('lets a writer in workspace B finish while workspace A’s chain head is locked', async () => {
      const owner = await registerUser(api, 'Owner');
      const [wa, wb] = await Promise.all([
        createWorkspace(api, owner.accessToken, 'A'),
        createWorkspace(api, owner.accessToken, 'B'),
      ]);
      const holder = await pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(
          'SELECT last_seq FROM audit_chain_heads WHERE chain_key = $1 FOR UPDATE',
          [`ws:${wa.id}`],
        );
        const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
          .rows[0].pid;
        const blockedByHolder = async () => {
          const { rows } = await pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
            [holderPid],
          );
          return Number(rows[0].n) > 0;
        };

        let aSettled = false;
        const renameA = api
          .patch(`/v1/workspaces/${wa.id}`, { name: 'A renamed' }, { token: owner.accessToken })
          .finally(() => (aSettled = true));
        await until(blockedByHolder, "A's writer to wait for the head lock");

        const renameB = await api.patch(
          `/v1/workspaces/${wb.id}`,
          { name: 'B renamed' },
          { token: owner.accessToken },
        );
        expect(renameB.status).toBe(200);
        expect((await chainRows(`ws:${wb.id}`)).map((r) => r.action)).toEqual([
          'workspace.created',
          'workspace.updated',
        ]);
        // A is still waiting, and has written nothing yet.
        expect(aSettled).toBe(false);
        expect(await blockedByHolder()).toBe(true);
        expect((await chainRows(`ws:${wa.id}`)).map((r) => r.action)).toEqual([
          'workspace.created',
        ]);

        await holder.query('COMMIT');
        expect((await renameA).status).toBe(200);
        expect((await chainRows(`ws:${wa.id}`)).map((r) => Number(r.seq))).toEqual([1, 2]);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
      }
    });
  });
});

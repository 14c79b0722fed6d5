import { createHash } from 'node:crypto';
import { startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import {
  addMember,
  createTeam,
  createWorkspace,
  PASSWORD,
  registerUser,
  type Team,
  type TestUser,
} from '../support/factories.js';
import { allPages, expectIntactStretch, parseCsv, type ApiEvent } from './audit-helpers.js';

/** More than one list page (200) and one export/verify batch (1000). */
const MANY_EVENTS = 1_050;
const FLIPPERS = 6;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const eventsPath = (ws: string) => `/v1/workspaces/${ws}/audit-events`;

describe('audit log routes', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  /** Renames, role changes and a removal, by the owner and the admin. */
  async function teamWithHistory(): Promise<Team> {
    const team = await createTeam(api);
    const ws = `/v1/workspaces/${team.workspaceId}`;
    const ok = (status: number, text: string) =>
      expect({ status, text }).toMatchObject({ status: 200 });
    let res = await api.patch(ws, { name: 'Renamed once' }, { token: team.owner.accessToken });
    ok(res.status, res.text);
    res = await api.patch(ws, { name: 'Renamed twice' }, { token: team.admin.accessToken });
    ok(res.status, res.text);
    res = await api.patch(
      `${ws}/members/${team.member.id}`,
      { role: 'viewer' },
      { token: team.admin.accessToken },
    );
    ok(res.status, res.text);
    res = await api.patch(
      `${ws}/members/${team.member.id}`,
      { role: 'member' },
      { token: team.owner.accessToken },
    );
    ok(res.status, res.text);
    const del = await api.delete(`${ws}/members/${team.viewer.id}`, {
      token: team.admin.accessToken,
    });
    expect(del.status).toBe(204);
    return team;
  }

  describe('access', () => {
    let team: Team;
    beforeAll(async () => {
      team = await createTeam(api);
    });

    it.each(['', '/export', '/export?format=csv', '/verify'])(
      'GET audit-events%s: owners and admins 200, members and viewers 403, outsiders 404',
      async (suffix) => {
        const path = `${eventsPath(team.workspaceId)}${suffix}`;
        expect((await api.get(path, { token: team.owner.accessToken })).status).toBe(200);
        expect((await api.get(path, { token: team.admin.accessToken })).status).toBe(200);
        expectProblem(await api.get(path, { token: team.member.accessToken }), 403, 'forbidden');
        expectProblem(await api.get(path, { token: team.viewer.accessToken }), 403, 'forbidden');
        expectProblem(await api.get(path, { token: team.outsider.accessToken }), 404, 'not-found');
        expectProblem(await api.get(path), 401);
      },
    );

    it('answers a missing workspace like a foreign one, and a malformed id with 400', async () => {
      const missing = await api.get(eventsPath('01900000-0000-7000-8000-000000000000'), {
        token: team.owner.accessToken,
      });
      expectProblem(missing, 404, 'not-found');
      expectProblem(await api.get(eventsPath('nope'), { token: team.owner.accessToken }), 400);
    });

    it('needs the admin scope on an API token', async () => {
      const make = async (scopes: string[]) => {
        const res = await api.post(
          '/v1/me/tokens',
          { name: 'audit', scopes },
          { token: team.owner.accessToken },
        );
        expect(res.status).toBe(201);
        return res.body.token as string;
      };
      const read = await make(['read']);
      const admin = await make(['admin']);
      expectProblem(await api.get(eventsPath(team.workspaceId), { token: read }), 403);
      expect((await api.get(eventsPath(team.workspaceId), { token: admin })).status).toBe(200);
    });
  });

  describe('filters', () => {
    let team: Team;
    let all: ApiEvent[];
    const list = async (query: string) => {
      const res = await api.get(`${eventsPath(team.workspaceId)}?limit=200&${query}`, {
        token: team.owner.accessToken,
      });
      expect({ status: res.status, text: res.text }).toMatchObject({ status: 200 });
      return res.body.data as ApiEvent[];
    };

    beforeAll(async () => {
      team = await teamWithHistory();
      all = await list('');
    });

    it('lists every event of the workspace, newest first, in the documented shape', () => {
      expect(all.map((e) => e.action)).toEqual([
        'member.removed',
        'member.role_changed',
        'member.role_changed',
        'workspace.updated',
        'workspace.updated',
        'member.added',
        'member.added',
        'member.added',
        'workspace.created',
      ]);
      expect(all.map((e) => e.seq)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(all[0]).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        workspaceId: team.workspaceId,
        chainKey: `ws:${team.workspaceId}`,
        seq: 9,
        actor: { type: 'user', id: team.admin.id },
        action: 'member.removed',
        entityType: 'member',
        entityId: team.viewer.id,
        changes: { role: { from: 'viewer', to: null } },
        requestId: expect.any(String),
        ip: expect.any(String),
        userAgent: expect.any(String),
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        prevHash: all[1].hash,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expectIntactStretch([...all].reverse());
    });

    it('filters by exact action and by prefix', async () => {
      const exact = await list('action=member.role_changed');
      expect(exact.map((e) => e.seq)).toEqual([8, 7]);
      const prefix = await list('action=member.*');
      expect(prefix.map((e) => e.action)).toEqual([
        'member.removed',
        'member.role_changed',
        'member.role_changed',
        'member.added',
        'member.added',
        'member.added',
      ]);
      expect((await list('action=workspace.*')).map((e) => e.seq)).toEqual([6, 5, 1]);
      expect(await list('action=member.role.*')).toEqual([]);
      expect(await list('action=member.role_changee')).toEqual([]);
    });

    it('filters by actor, entity type and entity id, combined with AND', async () => {
      expect((await list(`actorId=${team.admin.id}`)).map((e) => e.seq)).toEqual([9, 7, 6]);
      expect((await list('entityType=workspace')).map((e) => e.seq)).toEqual([6, 5, 1]);
      expect((await list(`entityId=${team.member.id}`)).map((e) => e.action)).toEqual([
        'member.role_changed',
        'member.role_changed',
        'member.added',
      ]);
      expect(
        (await list(`entityId=${team.member.id}&actorId=${team.admin.id}&action=member.*`)).map(
          (e) => e.seq,
        ),
      ).toEqual([7]);
      // Another workspace's entity: nothing, as if it did not exist.
      expect(await list(`entityId=${team.outsider.id}`)).toEqual([]);
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const pivot = all.find((e) => e.seq === 5)!;
      const from = await list(`from=${pivot.occurredAt}`);
      expect(from.every((e) => e.occurredAt >= pivot.occurredAt)).toBe(true);
      expect(from.map((e) => e.seq)).toContain(5);
      const to = await list(`to=${pivot.occurredAt}`);
      expect(to.every((e) => e.occurredAt < pivot.occurredAt)).toBe(true);
      expect(to.map((e) => e.seq)).not.toContain(5);
      expect(from.length + to.length).toBe(all.length);
      expect(await list('from=2999-01-01')).toEqual([]);
      expect((await list('to=2999-01-01T00:00:00%2B02:00')).length).toBe(all.length);
    });

    it.each([
      ['from=yesterday', 'from'],
      ['to=2025-13-01T00:00:00Z', 'to'],
      ['from=2025-01-01T10:00:00', 'from'],
      ['from=2025-02-01&to=2025-01-01', 'from'],
      ['action=card', 'action'],
      ['action=*', 'action'],
      ['action=Card.Created', 'action'],
      ['entityId=not-a-uuid', 'entityId'],
      ['entityType=Card-X', 'entityType'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['bogus=1', 'bogus'],
    ])('rejects %s with 422 naming the field', async (query, field) => {
      const res = await api.get(`${eventsPath(team.workspaceId)}?${query}`, {
        token: team.owner.accessToken,
      });
      expectProblem(res, 422, 'validation-failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('rejects a cursor it did not issue with 400', async () => {
      const res = await api.get(`${eventsPath(team.workspaceId)}?cursor=WyIxIl0.forged`, {
        token: team.owner.accessToken,
      });
      expectProblem(res, 400, 'invalid-cursor');
    });
  });

  describe('pagination', () => {
    it('walks every page newest first without gaps or repeats, filters included', async () => {
      const team = await teamWithHistory();
      const path = eventsPath(team.workspaceId);
      const whole = await allPages(api, path, team.owner.accessToken, 200);
      const paged = await allPages(api, path, team.owner.accessToken, 2);
      expect(paged).toEqual(whole);
      expect(paged.map((e) => e.seq)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
      const filtered = await allPages(api, `${path}?action=member.*`, team.owner.accessToken, 4);
      expect(filtered.map((e) => e.seq)).toEqual([9, 8, 7, 4, 3, 2]);
      const first = await api.get(`${path}?limit=9`, { token: team.owner.accessToken });
      expect(first.body.nextCursor).toBeNull();
    });
  });

  describe('many events: export and verify', () => {
    let team: Team;
    let total: number;

    beforeAll(async () => {
      team = await createTeam(api);
      const flippers: TestUser[] = await Promise.all(
        Array.from({ length: FLIPPERS }, () => registerUser(api, 'Flipper')),
      );
      for (const f of flippers) {
        await addMember(api, team.owner.accessToken, team.workspaceId, f.email, 'member');
      }
      const rounds = Math.ceil(MANY_EVENTS / FLIPPERS);
      await Promise.all(
        flippers.map(async (f) => {
          for (let i = 0; i < rounds; i++) {
            const res = await api.patch(
              `/v1/workspaces/${team.workspaceId}/members/${f.id}`,
              { role: i % 2 === 0 ? 'viewer' : 'member' },
              { token: team.admin.accessToken },
            );
            if (res.status !== 200) throw new Error(`${res.status} ${res.text}`);
          }
        }),
      );
      total = 4 + FLIPPERS + rounds * FLIPPERS;
    }, 180_000);

    it('lists all of them across pages', async () => {
      const events = await allPages(api, eventsPath(team.workspaceId), team.owner.accessToken);
      expect(events.length).toBe(total);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => total - i));
    });

    it('exports NDJSON, oldest first, every event, verifiable by a third party', async () => {
      const res = await api.get(`${eventsPath(team.workspaceId)}/export?format=ndjson`, {
        token: team.admin.accessToken,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="audit-${team.workspaceId}-.+\\.ndjson"$`),
      );
      expect(res.text.endsWith('\n')).toBe(true);
      const events = res.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as ApiEvent);
      expect(events.length).toBe(total);
      expect(events[0].seq).toBe(1);
      expect(events[0].prevHash).toBe('0'.repeat(64));
      expectIntactStretch(events);
      // The same JSON as the list.
      const newest = await api.get(`${eventsPath(team.workspaceId)}?limit=1`, {
        token: team.owner.accessToken,
      });
      expect(events[events.length - 1]).toEqual(newest.body.data[0]);
    });

    it('exports CSV with a header, one row per event and JSON changes', async () => {
      const res = await api.get(`${eventsPath(team.workspaceId)}/export?format=csv`, {
        token: team.admin.accessToken,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/\.csv"$/);
      const [header, ...rows] = parseCsv(res.text);
      expect(header).toEqual([
        'id',
        'workspaceId',
        'chainKey',
        'seq',
        'actorType',
        'actorId',
        'action',
        'entityType',
        'entityId',
        'changes',
        'requestId',
        'ip',
        'userAgent',
        'occurredAt',
        'prevHash',
        'hash',
      ]);
      expect(rows.length).toBe(total);
      expect(rows.map((r) => Number(r[3]))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const created = rows[0];
      expect(created[6]).toBe('workspace.created');
      expect(JSON.parse(created[9])).toEqual({ name: { from: null, to: 'Workspace' } });
      expect(rows.every((r) => r.length === header.length)).toBe(true);
    });

    it('exports only [from, to)', async () => {
      const events = await allPages(api, eventsPath(team.workspaceId), team.owner.accessToken);
      const from = events[Math.floor(total * 0.7)].occurredAt;
      const to = events[Math.floor(total * 0.2)].occurredAt;
      const res = await api.get(`${eventsPath(team.workspaceId)}/export?from=${from}&to=${to}`, {
        token: team.owner.accessToken,
      });
      expect(res.status).toBe(200);
      const slice = res.text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as ApiEvent);
      const expected = events.filter((e) => e.occurredAt >= from && e.occurredAt < to).reverse();
      expect(slice.map((e) => e.seq)).toEqual(expected.map((e) => e.seq));
      expect(slice.length).toBeGreaterThan(0);
      expectIntactStretch(slice);
      const bad = await api.get(`${eventsPath(team.workspaceId)}/export?format=xml`, {
        token: team.owner.accessToken,
      });
      expectProblem(bad, 422, 'validation-failed');
    });

    it('verifies the whole chain', async () => {
      const res = await api.get(`${eventsPath(team.workspaceId)}/verify`, {
        token: team.owner.accessToken,
      });
      expect(res.body).toEqual({ ok: true, checked: total });
    });

    it('exports an empty range as an empty file (CSV: the header only)', async () => {
      const ndjson = await api.get(`${eventsPath(team.workspaceId)}/export?from=2999-01-01`, {
        token: team.owner.accessToken,
      });
      expect(ndjson.status).toBe(200);
      expect(ndjson.text).toBe('');
      const csv = await api.get(
        `${eventsPath(team.workspaceId)}/export?format=csv&from=2999-01-01`,
        { token: team.owner.accessToken },
      );
      expect(parseCsv(csv.text).length).toBe(1);
    });
  });

  it('writes no second event for a replayed idempotent request', async () => {
    const owner = await registerUser(api);
    const ws = await createWorkspace(api, owner.accessToken);
    const send = () =>
      api.patch(
        `/v1/workspaces/${ws.id}`,
        { name: 'Once' },
        {
          token: owner.accessToken,
          headers: { 'idempotency-key': 'rename-1' },
        },
      );
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const events = await allPages(
      api,
      `${eventsPath(ws.id)}?action=workspace.updated`,
      owner.accessToken,
    );
    expect(events.length).toBe(1);
  });

  it('records each of many concurrent requests with its own request id, caller and user agent', async () => {
    // The request's context is entered per request (a Fastify hook) and the caller added by the
    // auth guard: under concurrency no event may carry another request's metadata.
    const callers = await Promise.all(Array.from({ length: 8 }, () => registerUser(api)));
    const created = await Promise.all(
      callers.map(async (user, i) => {
        const res = await api.post(
          '/v1/workspaces',
          { name: `Concurrent ${i}` },
          {
            token: user.accessToken,
            headers: { 'x-request-id': `concurrent-${i}`, 'user-agent': `agent-${i}` },
          },
        );
        expect(res.status).toBe(201);
        return { user, workspaceId: (res.body as { id: string }).id, i };
      }),
    );
    for (const { user, workspaceId, i } of created) {
      const [event] = await allPages(
        api,
        `${eventsPath(workspaceId)}?action=workspace.created`,
        user.accessToken,
      );
      expect(event).toMatchObject({
        actor: { type: 'user', id: user.id },
        requestId: `concurrent-${i}`,
        userAgent: `agent-${i}`,
      });
    }
  });

  describe('account events and secrets', () => {
    it('gives a user their own account events, never secrets', async () => {
      const user = await registerUser(api, 'Secretive');
      const other = await registerUser(api, 'Other');
      const login = await api.post('/v1/auth/login', { email: user.email, password: PASSWORD });
      expect(login.status).toBe(200);
      const refreshed = await api.post('/v1/auth/refresh', {
        refreshToken: login.body.refreshToken,
      });
      expect(refreshed.status).toBe(200);
      const wrong = await api.post('/v1/auth/login', {
        email: user.email,
        password: 'wrong password!',
      });
      expect(wrong.status).toBe(401);
      const token = await api.post(
        '/v1/me/tokens',
        { name: 'ci', scopes: ['read'] },
        { token: user.accessToken },
      );
      expect(token.status).toBe(201);
      const revoked = await api.delete(`/v1/me/tokens/${token.body.id}`, {
        token: user.accessToken,
      });
      expect(revoked.status).toBe(204);
      const logout = await api.post('/v1/auth/logout', {
        refreshToken: refreshed.body.refreshToken,
      });
      expect(logout.status).toBe(204);
      const ws = await createWorkspace(api, user.accessToken, 'Mine');

      const mine = await allPages(api, '/v1/me/audit-events', user.accessToken, 3);
      expect(mine.map((e) => e.action).reverse()).toEqual([
        'user.registered',
        'session.created',
        'session.refreshed',
        'user.login_failed',
        'token.created',
        'token.revoked',
        'session.logged_out',
      ]);
      expect(mine.every((e) => e.workspaceId === null && e.chainKey === `user:${user.id}`)).toBe(
        true,
      );
      expectIntactStretch([...mine].reverse());
      expect(mine.find((e) => e.action === 'user.login_failed')!.actor).toEqual({
        type: 'system',
        id: 'auth',
      });
      expect(mine.find((e) => e.action === 'token.created')!.changes).toEqual({
        name: { from: null, to: 'ci' },
        scopes: { from: null, to: ['read'] },
      });

      const filtered = await allPages(
        api,
        '/v1/me/audit-events?action=session.*',
        user.accessToken,
      );
      expect(filtered.map((e) => e.action)).toEqual([
        'session.logged_out',
        'session.refreshed',
        'session.created',
      ]);
      const theirs = await allPages(api, '/v1/me/audit-events', other.accessToken);
      expect(theirs.map((e) => e.action)).toEqual(['user.registered']);
      expectProblem(
        await api.get('/v1/me/audit-events?from=soon', { token: user.accessToken }),
        422,
      );

      const exported = await api.get(`${eventsPath(ws.id)}/export`, { token: user.accessToken });
      const everything = JSON.stringify(mine) + exported.text;
      const secrets = [
        PASSWORD,
        user.accessToken,
        user.refreshToken,
        sha256(user.refreshToken),
        login.body.accessToken,
        login.body.refreshToken,
        sha256(login.body.refreshToken),
        refreshed.body.refreshToken,
        token.body.token,
        sha256(token.body.token),
        'wrong password!',
        '$argon2',
      ];
      for (const secret of secrets) expect(everything).not.toContain(secret);
    });
  });
});

describe('failed sign-ins', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('are recorded even when the attempt carries an Idempotency-Key', async () => {
    const user = await registerUser(api);
    const attempt = await api.post(
      '/v1/auth/login',
      { email: user.email, password: 'not the password' },
      { headers: { 'idempotency-key': 'try-1' } },
    );
    expectProblem(attempt, 401);
    const mine = await allPages(
      api,
      '/v1/me/audit-events?action=user.login_failed',
      user.accessToken,
    );
    expect(mine.length).toBe(1);
  });
});

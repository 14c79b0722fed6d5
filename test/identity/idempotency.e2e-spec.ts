import { onRealPostgres, startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { registerUser } from '../support/factories.js';
import { testPool } from '../support/db.js';

describe('Idempotency-Key', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('replays the stored status and body, creating nothing twice', async () => {
    const user = await registerUser(api);
    const o = { token: user.accessToken, headers: { 'idempotency-key': 'create-1' } };
    const first = await api.post('/v1/workspaces', { name: 'Once' }, o);
    const replay = await api.post('/v1/workspaces', { name: 'Once' }, o);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('etag')).toBe('"1"');
    expect(replay.body).toEqual(first.body);
    const list = await api.get('/v1/workspaces', { token: user.accessToken });
    expect(list.body.data).toHaveLength(1);
  });

  it('treats the same key with a different body as an error (422)', async () => {
    const user = await registerUser(api);
    const o = { token: user.accessToken, headers: { 'idempotency-key': 'create-2' } };
    expect((await api.post('/v1/workspaces', { name: 'First' }, o)).status).toBe(201);
    expectProblem(
      await api.post('/v1/workspaces', { name: 'Second' }, o),
      422,
      'idempotency-key-reused',
    );
  });

  it('scopes keys to the caller: the same key from another user is a new request', async () => {
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await api.post(
      '/v1/workspaces',
      { name: 'Mine' },
      { token: alice.accessToken, headers },
    );
    const b = await api.post(
      '/v1/workspaces',
      { name: 'Mine' },
      { token: bob.accessToken, headers },
    );
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('does not store failures: a retry after a 422 runs again', async () => {
    const user = await registerUser(api);
    const o = { token: user.accessToken, headers: { 'idempotency-key': 'fail-then-fix' } };
    expectProblem(await api.post('/v1/workspaces', { name: '' }, o), 422, 'validation-failed');
    expect((await api.post('/v1/workspaces', { name: 'Fixed' }, o)).status).toBe(201);
  });

  it('rejects a key longer than 255 characters (400)', async () => {
    const user = await registerUser(api);
    const res = await api.post(
      '/v1/workspaces',
      { name: 'x' },
      { token: user.accessToken, headers: { 'idempotency-key': 'k'.repeat(256) } },
    );
    expectProblem(res, 400, 'malformed-request');
  });

  it('applies to POST and PATCH only: a GET or DELETE ignores the header, even a malformed one', async () => {
    const user = await registerUser(api);
    const ws = (await api.post('/v1/workspaces', { name: 'Kept' }, { token: user.accessToken }))
      .body as { id: string };
    const o = { token: user.accessToken, headers: { 'idempotency-key': 'k'.repeat(256) } };
    const got = await api.get(`/v1/workspaces/${ws.id}`, o);
    expect(got.status).toBe(200);
    expect(got.headers.get('idempotent-replayed')).toBeNull();
    // Two DELETEs with one key: the second runs again (404), it is not a replay of the first.
    expect((await api.delete(`/v1/workspaces/${ws.id}`, o)).status).toBe(204);
    expectProblem(await api.delete(`/v1/workspaces/${ws.id}`, o), 404, 'not-found');
  });

  (onRealPostgres() ? it : it.skip)(
    'answers 409 to a request whose key is still in flight, and one effect results',
    async () => {
      const user = await registerUser(api);
      const o = { token: user.accessToken, headers: { 'idempotency-key': 'racing' } };
      const results = await Promise.all(
        Array.from({ length: 6 }, () => api.post('/v1/workspaces', { name: 'Race' }, o)),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
      for (const r of results.filter((x) => x.status !== 201))
        expectProblem(r, 409, 'idempotency-in-flight');
      // Whatever the interleaving, all successes describe the same single workspace.
      const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const list = await api.get('/v1/workspaces', { token: user.accessToken });
      expect(list.body.data).toHaveLength(1);
    },
  );

  (onRealPostgres() ? it : it.skip)(
    'runs a request again once its stored record has expired, and keeps one record for the key',
    async () => {
      const user = await registerUser(api);
      const o = { token: user.accessToken, headers: { 'idempotency-key': 'expiring' } };
      const first = await api.post('/v1/workspaces', { name: 'Before' }, o);
      expect(first.status).toBe(201);
      const db = testPool();
      try {
        // Expired but not yet purged: the record no longer binds the key.
        await db.query(
          `UPDATE idempotency_records SET expires_at = now() - interval '1 minute'
            WHERE caller = $1 AND key = 'expiring'`,
          [`user:${user.id}`],
        );
        const again = await api.post('/v1/workspaces', { name: 'After' }, o);
        expect(again.status).toBe(201);
        expect(again.headers.get('idempotent-replayed')).toBeNull();
        expect(again.body.id).not.toBe(first.body.id);
        const replay = await api.post('/v1/workspaces', { name: 'After' }, o);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.body).toEqual(again.body);
        const { rows } = await db.query(
          `SELECT response_status, response_body->>'id' AS id, expires_at > now() AS live
             FROM idempotency_records WHERE caller = $1 AND key = 'expiring'`,
          [`user:${user.id}`],
        );
        expect(rows).toEqual([{ response_status: 201, id: again.body.id, live: true }]);
      } finally {
        await db.end();
      }
    },
  );
});

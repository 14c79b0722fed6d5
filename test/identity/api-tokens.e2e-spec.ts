import { startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createWorkspace, registerUser } from '../support/factories.js';

describe('identity: personal API tokens', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('creates a token shown once, lists it without the secret, and authenticates with it', async () => {
    const user = await registerUser(api);
    const created = await api.post(
      '/v1/me/tokens',
      { name: 'ci', scopes: ['read', 'write'] },
      { token: user.accessToken },
    );
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^wd_[A-Za-z0-9_-]{40,}$/);
    expect(created.body).toMatchObject({
      name: 'ci',
      scopes: ['read', 'write'],
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(created.body.token.startsWith(created.body.tokenPrefix)).toBe(true);

    const me = await api.get('/v1/me', { token: created.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);

    const list = await api.get('/v1/me/tokens', { token: user.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].token).toBeUndefined();
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect(list.body.data[0].lastUsedAt).toMatch(/Z$/);
  });

  it('forbids a read-scoped token to write (403) but lets it read', async () => {
    const user = await registerUser(api);
    const ws = await createWorkspace(api, user.accessToken);
    const { body } = await api.post(
      '/v1/me/tokens',
      { name: 'reader', scopes: ['read'] },
      { token: user.accessToken },
    );
    expect((await api.get(`/v1/workspaces/${ws.id}`, { token: body.token })).status).toBe(200);
    expectProblem(
      await api.post('/v1/workspaces', { name: 'nope' }, { token: body.token }),
      403,
      'insufficient-scope',
    );
    expectProblem(
      await api.patch(`/v1/workspaces/${ws.id}`, { name: 'nope' }, { token: body.token }),
      403,
      'insufficient-scope',
    );
  });

  it('needs the admin scope for admin operations even when the owner holds the token', async () => {
    const user = await registerUser(api);
    const ws = await createWorkspace(api, user.accessToken);
    const writer = await api.post(
      '/v1/me/tokens',
      { name: 'writer', scopes: ['write'] },
      { token: user.accessToken },
    );
    expectProblem(
      await api.patch(`/v1/workspaces/${ws.id}`, { name: 'x' }, { token: writer.body.token }),
      403,
      'insufficient-scope',
    );
    const admin = await api.post(
      '/v1/me/tokens',
      { name: 'admin', scopes: ['admin'] },
      { token: user.accessToken },
    );
    expect(
      (await api.patch(`/v1/workspaces/${ws.id}`, { name: 'x' }, { token: admin.body.token }))
        .status,
    ).toBe(200);
  });

  it('revokes a token: it stops working at once', async () => {
    const user = await registerUser(api);
    const { body } = await api.post(
      '/v1/me/tokens',
      { name: 'temp', scopes: ['read'] },
      { token: user.accessToken },
    );
    expect((await api.delete(`/v1/me/tokens/${body.id}`, { token: user.accessToken })).status).toBe(
      204,
    );
    expectProblem(await api.get('/v1/me', { token: body.token }), 401, 'unauthenticated');
    const list = await api.get('/v1/me/tokens', { token: user.accessToken });
    expect(list.body.data[0].revokedAt).toMatch(/Z$/);
  });

  it("answers 404 for another user's token, and 400 for a malformed id", async () => {
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    const { body } = await api.post(
      '/v1/me/tokens',
      { name: 'mine', scopes: ['read'] },
      { token: alice.accessToken },
    );
    expectProblem(
      await api.delete(`/v1/me/tokens/${body.id}`, { token: bob.accessToken }),
      404,
      'not-found',
    );
    expect((await api.get('/v1/me', { token: body.token })).status).toBe(200);
    expectProblem(
      await api.delete('/v1/me/tokens/not-a-uuid', { token: alice.accessToken }),
      400,
      'malformed-request',
    );
  });

  it('rejects bad token input: unknown scope, empty scopes, past expiry', async () => {
    const user = await registerUser(api);
    const t = { token: user.accessToken };
    expectProblem(
      await api.post('/v1/me/tokens', { name: 'x', scopes: ['root'] }, t),
      422,
      'validation-failed',
    );
    expectProblem(
      await api.post('/v1/me/tokens', { name: 'x', scopes: [] }, t),
      422,
      'validation-failed',
    );
    expectProblem(
      await api.post(
        '/v1/me/tokens',
        { name: 'x', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' },
        t,
      ),
      422,
      'validation-failed',
    );
  });

  it('does not replay a token creation: each request makes its own token, never stored in clear', async () => {
    const user = await registerUser(api);
    const o = { token: user.accessToken, headers: { 'idempotency-key': 'token-once' } };
    const a = await api.post('/v1/me/tokens', { name: 'ci', scopes: ['read'] }, o);
    const b = await api.post('/v1/me/tokens', { name: 'ci', scopes: ['read'] }, o);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.token).not.toBe(a.body.token);
  });

  it('rejects an unknown wd_ token with 401', async () => {
    expectProblem(await api.get('/v1/me', { token: 'wd_doesnotexist' }), 401, 'unauthenticated');
  });

  it('pages through tokens with a cursor', async () => {
    const user = await registerUser(api);
    for (let i = 0; i < 3; i++)
      await api.post(
        '/v1/me/tokens',
        { name: `t${i}`, scopes: ['read'] },
        { token: user.accessToken },
      );
    const first = await api.get('/v1/me/tokens?limit=2', { token: user.accessToken });
    expect(first.body.data.map((t: { name: string }) => t.name)).toEqual(['t2', 't1']);
    const second = await api.get(`/v1/me/tokens?limit=2&cursor=${first.body.nextCursor}`, {
      token: user.accessToken,
    });
    expect(second.body.data.map((t: { name: string }) => t.name)).toEqual(['t0']);
    expect(second.body.nextCursor).toBeNull();
    const tampered = `${first.body.nextCursor.slice(0, -2)}xx`;
    expectProblem(
      await api.get(`/v1/me/tokens?cursor=${tampered}`, { token: user.accessToken }),
      400,
      'invalid-cursor',
    );
  });
});

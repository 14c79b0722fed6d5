import type pg from 'pg';
import { startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres, testPool } from '../support/db.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { registerUser } from '../support/factories.js';

describe('identity: API tokens cannot mint API tokens', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('refuses token creation with any API token (403), whatever the scopes asked', async () => {
    const user = await registerUser(api);
    const mint = (token: string, scopes: string[]) =>
      api.post('/v1/me/tokens', { name: 'x', scopes }, { token });
    const writer = await mint(user.accessToken, ['read', 'write']);
    const admin = await mint(user.accessToken, ['read', 'write', 'admin']);
    expect([writer.status, admin.status]).toEqual([201, 201]);
    for (const [token, scopes] of [
      [writer.body.token, ['admin']],
      [writer.body.token, ['read', 'write', 'admin']],
      [writer.body.token, ['read']],
      [admin.body.token, ['read']],
      [admin.body.token, ['admin']],
    ] as Array<[string, string[]]>) {
      expectProblem(await mint(token, scopes), 403, 'insufficient-scope');
    }
    const list = await api.get('/v1/me/tokens', { token: user.accessToken });
    expect(list.body.data).toHaveLength(2);
  });
});

describeOnPostgres('identity: credentials of a deleted user', () => {
  const CACHE_SECONDS = 1;
  let app: TestApp;
  let api: Client;
  let db: pg.Pool;

  beforeAll(async () => {
    db = testPool();
    app = await startApp({ AUTH_USER_CACHE_SECONDS: String(CACHE_SECONDS) });
    api = client(app);
  });
  afterAll(async () => {
    await app.stop();
    await db.end();
  });

  it('no longer authenticate, with JWT or API token: 401, never 500 or 200', async () => {
    const user = await registerUser(api);
    const created = await api.post(
      '/v1/me/tokens',
      { name: 'ci', scopes: ['read', 'write'] },
      { token: user.accessToken },
    );
    expect(created.status).toBe(201);
    expect((await api.get('/v1/me', { token: created.body.token })).status).toBe(200);

    await db.query('DELETE FROM users WHERE id = $1', [user.id]);
    // Remembered existence lasts at most AUTH_USER_CACHE_SECONDS.
    await new Promise((r) => setTimeout(r, CACHE_SECONDS * 1000 + 200));

    for (const token of [user.accessToken, created.body.token]) {
      expectProblem(await api.get('/v1/me', { token }), 401, 'unauthenticated');
      expectProblem(await api.get('/v1/workspaces', { token }), 401, 'unauthenticated');
      expectProblem(
        await api.post('/v1/workspaces', { name: 'ghost' }, { token }),
        401,
        'unauthenticated',
      );
    }
  });

  it('refuses an access token of a user deleted before it was ever used', async () => {
    const user = await registerUser(api);
    await db.query('DELETE FROM users WHERE id = $1', [user.id]);
    expectProblem(await api.get('/v1/me', { token: user.accessToken }), 401, 'unauthenticated');
  });
});

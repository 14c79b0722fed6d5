import { createHmac } from 'node:crypto';
import { onRealPostgres, startApp, type TestApp } from '../support/app.js';
import { testPool } from '../support/db.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { PASSWORD, registerUser, uniqueEmail } from '../support/factories.js';

const JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** A JWT signed with the test secret, for expired/forged token cases. */
function signJwt(payload: object, secret = JWT_SECRET): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('identity: register, login, refresh, logout, me', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('registers a user, normalising the email, and returns tokens', async () => {
    const email = uniqueEmail().toUpperCase();
    const res = await api.post('/v1/auth/register', { email, password: PASSWORD, name: '  Ada  ' });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({
      id: expect.any(String),
      email: email.toLowerCase(),
      name: 'Ada',
      createdAt: expect.stringMatching(/Z$/),
    });
    expect(res.body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/password|argon/i);
    const me = await api.get('/v1/me', { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(res.body.user.id);
  });

  it('refuses a duplicate registration with 409, whatever the case of the email', async () => {
    const user = await registerUser(api);
    const res = await api.post('/v1/auth/register', {
      email: user.email.toUpperCase(),
      password: PASSWORD,
      name: 'Again',
    });
    expectProblem(res, 409, 'email-taken');
  });

  it('admits exactly one of two concurrent registrations of one email', async () => {
    const email = uniqueEmail();
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        api.post('/v1/auth/register', { email, password: PASSWORD, name: 'Racer' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('rejects bad registration input with 422 per field', async () => {
    const res = await api.post('/v1/auth/register', {
      email: 'nope',
      password: 'short',
      name: 'x'.repeat(201),
    });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'email',
      'name',
      'password',
    ]);
  });

  it('answers the same 401 for an unknown email and a wrong password', async () => {
    const user = await registerUser(api);
    const wrong = await api.post('/v1/auth/login', {
      email: user.email,
      password: 'wrong password!!',
    });
    const unknown = await api.post('/v1/auth/login', {
      email: uniqueEmail(),
      password: 'wrong password!!',
    });
    expectProblem(wrong, 401, 'invalid-credentials');
    expectProblem(unknown, 401, 'invalid-credentials');
    expect({ ...wrong.body, requestId: 0 }).toEqual({ ...unknown.body, requestId: 0 });
    const ok = await api.post('/v1/auth/login', { email: user.email, password: user.password });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole family', async () => {
    const user = await registerUser(api);
    const first = await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.status).toBe(200);
    const second = await api.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
    // The first token was already rotated: presenting it again is a theft signal.
    expectProblem(
      await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken }),
      401,
      'invalid-refresh-token',
    );
    // ...which revoked the newest token of the family too.
    expectProblem(
      await api.post('/v1/auth/refresh', { refreshToken: second.body.refreshToken }),
      401,
      'invalid-refresh-token',
    );
    // Another login session is unaffected.
    const other = await api.post('/v1/auth/login', { email: user.email, password: user.password });
    expect(
      (await api.post('/v1/auth/refresh', { refreshToken: other.body.refreshToken })).status,
    ).toBe(200);
  });

  it('lets only one of two concurrent refreshes with the same token win', async () => {
    const user = await registerUser(api);
    const results = await Promise.all(
      [1, 2].map(() => api.post('/v1/auth/refresh', { refreshToken: user.refreshToken })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('logs out: the refresh token no longer works', async () => {
    const user = await registerUser(api);
    expect((await api.post('/v1/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
      204,
    );
    expectProblem(
      await api.post('/v1/auth/refresh', { refreshToken: user.refreshToken }),
      401,
      'invalid-refresh-token',
    );
    // Logging out twice is harmless.
    expect((await api.post('/v1/auth/logout', { refreshToken: user.refreshToken })).status).toBe(
      204,
    );
  });

  it('refuses missing, malformed, forged and expired access tokens with 401', async () => {
    const user = await registerUser(api);
    expectProblem(await api.get('/v1/me'), 401, 'unauthenticated');
    expectProblem(await api.get('/v1/me', { token: 'garbage' }), 401, 'unauthenticated');
    expectProblem(
      await api.get('/v1/me', { headers: { authorization: `Basic ${user.accessToken}` } }),
      401,
      'unauthenticated',
    );
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt({
      sub: user.id,
      sid: user.id,
      typ: 'access',
      iat: now - 3600,
      exp: now - 60,
    });
    expectProblem(await api.get('/v1/me', { token: expired }), 401, 'unauthenticated');
    const forged = signJwt(
      { sub: user.id, sid: user.id, typ: 'access', iat: now, exp: now + 600 },
      'another-secret-another-secret-another',
    );
    expectProblem(await api.get('/v1/me', { token: forged }), 401, 'unauthenticated');
    const valid = signJwt({ sub: user.id, sid: user.id, typ: 'access', iat: now, exp: now + 600 });
    expect((await api.get('/v1/me', { token: valid })).status).toBe(200);
  });

  it('never stores credentials for replay: a retried registration with a key is a new request', async () => {
    const body = { email: uniqueEmail(), password: PASSWORD, name: 'Once' };
    const headers = { 'idempotency-key': `reg-${body.email}` };
    const first = await api.post('/v1/auth/register', body, { headers });
    const again = await api.post('/v1/auth/register', body, { headers });
    expect(first.status).toBe(201);
    expectProblem(again, 409, 'email-taken');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    if (onRealPostgres()) {
      const pool = testPool();
      const rows = await pool.query(
        'SELECT 1 FROM idempotency_records WHERE response_body::text LIKE $1',
        [`%${first.body.refreshToken}%`],
      );
      await pool.end();
      expect(rows.rowCount).toBe(0);
    }
  });

  it('revokes a reused refresh token family even when the request carries an Idempotency-Key', async () => {
    const user = await registerUser(api);
    const headers = { 'idempotency-key': `refresh-${user.id}` };
    const rotated = await api.post(
      '/v1/auth/refresh',
      { refreshToken: user.refreshToken },
      { headers },
    );
    expect(rotated.status).toBe(200);
    const reuse = await api.post(
      '/v1/auth/refresh',
      { refreshToken: user.refreshToken },
      { headers },
    );
    expectProblem(reuse, 401, 'invalid-refresh-token');
    expectProblem(
      await api.post('/v1/auth/refresh', { refreshToken: rotated.body.refreshToken }),
      401,
      'invalid-refresh-token',
    );
  });
});

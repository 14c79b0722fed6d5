import { startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { registerUser } from '../support/factories.js';

describe('rate limits', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp({ RATE_LIMIT_PER_MINUTE: '5', AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    api = client(app);
  });
  afterAll(() => app.stop());

  it('limits login per IP more strictly, with a 429 problem and Retry-After', async () => {
    const attempts = [];
    for (let i = 0; i < 4; i++)
      attempts.push(
        await api.post('/v1/auth/login', { email: 'x@example.com', password: 'whatever!!' }),
      );
    expect(attempts.slice(0, 3).map((r) => r.status)).toEqual([401, 401, 401]);
    expect(attempts[0].headers.get('ratelimit-limit')).toBe('3');
    expect(attempts[1].headers.get('ratelimit-remaining')).toBe('1');
    const limited = attempts[3];
    expectProblem(limited, 429, 'rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts register and login of one address against one budget', async () => {
    const other = await startApp({ RATE_LIMIT_PER_MINUTE: '100', AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const otherApi = client(other);
      const statuses = [
        (await otherApi.post('/v1/auth/register', { email: 'not an email' })).status,
        (await otherApi.post('/v1/auth/login', { email: 'x@example.com', password: 'whatever!!' }))
          .status,
        (await otherApi.post('/v1/auth/register', { email: 'not an email' })).status,
      ];
      expect(statuses).toEqual([422, 401, 422]);
      expectProblem(
        await otherApi.post('/v1/auth/login', { email: 'x@example.com', password: 'whatever!!' }),
        429,
        'rate-limited',
      );
      // Other routes of the same anonymous address keep their own, larger budget.
      expect((await otherApi.get('/health/ready')).status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  it('limits each authenticated caller separately', async () => {
    // Registration shares the auth bucket with login, which the test above used up: use tokens
    // minted elsewhere is not possible here, so make users in a fresh app.
    const other = await startApp({ RATE_LIMIT_PER_MINUTE: '5', AUTH_RATE_LIMIT_PER_MINUTE: '10' });
    try {
      const otherApi = client(other);
      const [alice, bob] = await Promise.all([registerUser(otherApi), registerUser(otherApi)]);
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await otherApi.get('/v1/me', { token: alice.accessToken })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const bobRes = await otherApi.get('/v1/me', { token: bob.accessToken });
      expect(bobRes.status).toBe(200);
      expect(bobRes.headers.get('ratelimit-limit')).toBe('5');
      expect(bobRes.headers.get('ratelimit-remaining')).toBe('4');
      // The limit is the caller's across routes, not per route.
      const mixed = [];
      for (const path of ['/v1/workspaces', '/v1/me/tokens', '/v1/workspaces', '/v1/me'])
        mixed.push((await otherApi.get(path, { token: bob.accessToken })).status);
      expect(mixed).toEqual([200, 200, 200, 200]);
      expectProblem(
        await otherApi.get('/v1/me/tokens', { token: bob.accessToken }),
        429,
        'rate-limited',
      );
    } finally {
      await other.stop();
    }
  });
});

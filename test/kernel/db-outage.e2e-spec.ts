import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type pg from 'pg';
import { freePort, startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres, testPool } from '../support/db.js';
import { client, expectProblem, type ApiResponse, type Client } from '../support/http.js';
import { createWorkspace, registerUser, type TestUser } from '../support/factories.js';

/**
 * A TCP proxy in front of PostgreSQL that the test can cut (every connection reset, the port
 * closed: "connection refused") and restore, without touching the server itself.
 */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    this.server = createServer((downstream) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [downstream, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      downstream.pipe(upstream).pipe(downstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/**
 * The app under test connects with an application name of its own (pg lets the URL's
 * `application_name` win), so that only its backends are terminated, never those of apps
 * that other specs run on the same database.
 */
const APP_NAME = `workdeck-outage-${randomBytes(4).toString('hex')}`;
const TERMINATE_APP_BACKENDS = `SELECT count(pg_terminate_backend(pid))::int AS n
  FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
   AND application_name = $1`;

function namedDatabaseUrl(): URL {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.searchParams.set('application_name', APP_NAME);
  return url;
}

/** Runs `workers` loops of `call` until `stop()` and tallies what they got. */
function load(workers: number, call: (i: number) => Promise<ApiResponse>) {
  let running = true;
  const responses: ApiResponse[] = [];
  const errors: string[] = [];
  const loops = Array.from({ length: workers }, async (_, i) => {
    while (running) {
      try {
        responses.push(await call(i));
      } catch (err) {
        errors.push(String(err));
      }
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return { responses, errors };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOnPostgres('database outages', () => {
  let db: pg.Pool;

  beforeAll(() => {
    db = testPool();
  });
  afterAll(() => db.end());

  describe('backends terminated under load (pg_terminate_backend, 57P01)', () => {
    let app: TestApp;
    let api: Client;
    let user: TestUser;
    let workspaceId: string;

    beforeAll(async () => {
      app = await startApp({ DATABASE_URL: namedDatabaseUrl().toString(), DB_POOL_SIZE: '4' });
      api = client(app);
      user = await registerUser(api);
      workspaceId = (await createWorkspace(api, user.accessToken)).id;
    });
    afterAll(() => app.stop());

    it('answers 503 with Retry-After (never 500) meanwhile, survives, and serves afterwards', async () => {
      const run = load(6, (i) =>
        i % 2 === 0
          ? api.get(`/v1/workspaces/${workspaceId}/audit-events?limit=5`, {
              token: user.accessToken,
            })
          : api.post(
              `/v1/workspaces/${workspaceId}/notes`,
              { title: `n${i}` },
              {
                token: user.accessToken,
                headers: { 'idempotency-key': randomBytes(8).toString('hex') },
              },
            ),
      );
      let terminated = 0;
      for (let round = 0; round < 8; round++) {
        await sleep(250);
        terminated += (await db.query<{ n: number }>(TERMINATE_APP_BACKENDS, [APP_NAME])).rows[0].n;
      }
      const { responses, errors } = await run.stop();
      expect(terminated).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      const statuses = new Set(responses.map((r) => r.status));
      expect([...statuses].filter((s) => ![200, 201, 503].includes(s))).toEqual([]);
      for (const r of responses.filter((x) => x.status === 503)) {
        expectProblem(r, 503, 'unavailable');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(app.process.exitCode).toBeNull();
      // The pool replaced its connections: everything works again.
      for (let i = 0; i < 10; i++) {
        const res = await api.get(`/v1/workspaces/${workspaceId}`, { token: user.accessToken });
        expect(res.status).toBe(200);
      }
      const note = await api.post(
        `/v1/workspaces/${workspaceId}/notes`,
        { title: 'after' },
        { token: user.accessToken },
      );
      expect(note.status).toBe(201);
      expect(app.output()).not.toMatch(/Unhandled 'error' event/);
    });
  });

  describe('database unreachable (connection refused / reset)', () => {
    let app: TestApp;
    let api: Client;
    let proxy: CuttableProxy;

    beforeAll(async () => {
      const url = namedDatabaseUrl();
      proxy = new CuttableProxy(await freePort(), {
        host: url.hostname,
        port: Number(url.port || 5432),
      });
      await proxy.open();
      url.host = `127.0.0.1:${proxy.port}`;
      app = await startApp({ DATABASE_URL: url.toString(), DB_POOL_SIZE: '2' });
      api = client(app);
    });
    afterAll(async () => {
      await app.stop();
      await proxy.cut();
    });

    it('answers 503 with Retry-After while it is gone and recovers when it is back', async () => {
      const user = await registerUser(api);
      const ws = await createWorkspace(api, user.accessToken);
      const unknownToken = `wd_${randomBytes(32).toString('base64url')}`;
      expectProblem(await api.get('/v1/me', { token: unknownToken }), 401, 'unauthenticated');

      await proxy.cut();
      for (const res of [
        await api.get(`/v1/workspaces/${ws.id}`, { token: user.accessToken }),
        await api.post('/v1/workspaces', { name: 'x' }, { token: user.accessToken }),
        await api.post('/v1/auth/login', { email: user.email, password: user.password }),
      ]) {
        expectProblem(res, 503, 'unavailable');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Credentials that cannot be valid are refused without the database: a malformed token,
      // and an unknown one already seen.
      expectProblem(await api.get('/v1/me', { token: 'wd_short' }), 401, 'unauthenticated');
      expectProblem(await api.get('/v1/me', { token: unknownToken }), 401, 'unauthenticated');
      expect((await api.get('/health/ready')).status).toBe(503);
      expect(app.process.exitCode).toBeNull();

      await proxy.open();
      let res = await api.get(`/v1/workspaces/${ws.id}`, { token: user.accessToken });
      for (let i = 0; i < 20 && res.status !== 200; i++) {
        await sleep(250);
        res = await api.get(`/v1/workspaces/${ws.id}`, { token: user.accessToken });
      }
      expect(res.status).toBe(200);
      expect(
        (await api.post('/v1/workspaces', { name: 'y' }, { token: user.accessToken })).status,
      ).toBe(201);
    });
  });

  const describeWithRedis = process.env.TEST_REDIS_URL ? describe : describe.skip;
  describeWithRedis('Redis unreachable (needs TEST_REDIS_URL)', () => {
    let app: TestApp;
    let api: Client;
    let proxy: CuttableProxy;

    beforeAll(async () => {
      const redis = new URL(process.env.TEST_REDIS_URL!);
      proxy = new CuttableProxy(await freePort(), {
        host: redis.hostname,
        port: Number(redis.port || 6379),
      });
      await proxy.open();
      app = await startApp({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      api = client(app);
    });
    afterAll(async () => {
      await app.stop();
      await proxy.cut();
    });

    it('answers 503 while the rate-limit store is gone, survives, and recovers', async () => {
      const user = await registerUser(api);
      expect((await api.get('/v1/me', { token: user.accessToken })).status).toBe(200);
      await proxy.cut();
      const res = await api.get('/v1/me', { token: user.accessToken });
      expectProblem(res, 503, 'unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(app.process.exitCode).toBeNull();
      await proxy.open();
      let again = await api.get('/v1/me', { token: user.accessToken });
      for (let i = 0; i < 40 && again.status !== 200; i++) {
        await sleep(250);
        again = await api.get('/v1/me', { token: user.accessToken });
      }
      expect(again.status).toBe(200);
      expect(app.output()).not.toMatch(/Unhandled error event/);
    });
  });
});

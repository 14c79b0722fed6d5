import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { onRealPostgres, startApp } from './support/app.js';
import { client, expectProblem } from './support/http.js';
import { PASSWORD, registerUser, uniqueEmail } from './support/factories.js';

const MAIN = join(process.cwd(), 'dist/src/main.js');
/** Tests that start the app twice: each start takes a while on a busy machine. */
const TWO_APP_STARTS_TIMEOUT_MS = 180_000;

/** Runs main.js with `env` (expecting it to refuse to start) and returns exit code and stderr. */
function runMain(env: Record<string, string>): { status: number | null; stderr: string } {
  const res = spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, DATA_DIR: mkdtempSync(join(tmpdir(), 'wd-cfg-')), ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: res.status, stderr: res.stderr };
}

describe('configuration and process lifecycle', () => {
  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'nonsense'],
    ['DB_POOL_SIZE', '0'],
    ['LOG_LEVEL', 'loud'],
    ['MIGRATIONS_RUN', 'maybe'],
    ['CORS_ORIGINS', 'not a url'],
  ])('exits non-zero with one line naming %s when it is %s', (name, value) => {
    const { status, stderr } = runMain({ [name]: value });
    expect(status).not.toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${name}: `));
  });

  it('requires a JWT secret of at least 32 bytes in production', () => {
    expect(runMain({ NODE_ENV: 'production' }).stderr).toMatch(
      /^Invalid configuration: JWT_SECRET: required/,
    );
    expect(runMain({ NODE_ENV: 'production', JWT_SECRET: 'short' }).stderr).toMatch(
      /^Invalid configuration: JWT_SECRET: /,
    );
  });

  it(
    'generates the development JWT secret once, kept in DATA_DIR with mode 0600',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'wd-secret-'));
      const app = await startApp({ JWT_SECRET: '', DATA_DIR: dataDir, NODE_ENV: 'development' });
      const api = client(app);
      const user = await registerUser(api);
      await app.stop();
      const file = join(dataDir, 'jwt-secret');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, 'utf8');
      expect(secret.length).toBeGreaterThanOrEqual(32);
      // A restart keeps the secret, so the token issued before still works.
      const again = await startApp({ JWT_SECRET: '', DATA_DIR: dataDir, NODE_ENV: 'development' });
      try {
        expect((await client(again).get('/v1/me', { token: user.accessToken })).status).toBe(200);
        expect(readFileSync(file, 'utf8')).toBe(secret);
      } finally {
        await again.stop();
      }
    },
    TWO_APP_STARTS_TIMEOUT_MS,
  );

  it('drains on SIGTERM: an in-flight request completes, then the process exits 0', async () => {
    const app = await startApp();
    const body = JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: 'Draining' });
    // Send the headers and half the body, so the request is surely in flight at the signal.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${app.url}/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      req.flushHeaders();
      setTimeout(() => {
        app.process.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 200);
      }, 200);
    });
    const res = await response;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text).user.id).toEqual(expect.any(String));
    expect(await app.stop()).toBe(0);
  });

  (onRealPostgres() ? it : it.skip)(
    'refuses to start without its database, naming the failure',
    async () => {
      const failed = await startApp({
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        MIGRATIONS_RUN: 'false',
      }).catch((e: Error) => e);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/exited with [1-9]/);
    },
  );

  (onRealPostgres() ? it : it.skip)(
    'answers /health/ready with a 503 problem while the database is unreachable',
    async () => {
      // Its own database, so that cutting it off disturbs no other spec.
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      const db = `workdeck_ready_${Date.now()}`;
      await admin.query(`CREATE DATABASE ${db}`);
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${db}`;
      const app = await startApp({ DATABASE_URL: url.toString(), MIGRATIONS_RUN: 'true' });
      try {
        const api = client(app);
        expect((await api.get('/health/ready')).status).toBe(200);
        await admin.query(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false`);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [db],
        );
        const down = await api.get('/health/ready');
        expectProblem(down, 503, 'unavailable');
        expect(down.body.checks.database.status).toBe('down');
        expect((await api.get('/health/live')).status).toBe(200);
        await admin.query(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS true`);
        expect((await api.get('/health/ready')).status).toBe(200);
      } finally {
        await app.stop();
        await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await admin.end();
      }
    },
  );
});

describe('rate limits shared through Redis', () => {
  const redisUrl = process.env.TEST_REDIS_URL;
  (redisUrl ? it : it.skip)('counts one caller across two instances', async () => {
    const env = {
      REDIS_URL: redisUrl!,
      RATE_LIMIT_PER_MINUTE: '4',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000',
    };
    const [a, b] = await Promise.all([startApp(env), startApp(env)]);
    try {
      const user = await registerUser(client(a));
      const statuses = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (await client(i % 2 ? b : a).get('/v1/me', { token: user.accessToken })).status,
        );
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      const ready = await client(b).get('/health/ready');
      expect(ready.body.info.redis.status).toBe('up');
      expectProblem(
        await client(a).get('/v1/me', { token: user.accessToken }),
        429,
        'rate-limited',
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

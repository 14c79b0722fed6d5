import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onRealPostgres, startApp, type TestApp } from './support/app.js';
import { client } from './support/http.js';
import { PASSWORD, uniqueEmail } from './support/factories.js';

const MAIN = join(process.cwd(), 'dist/src/main.js');
/** Several embedded apps start per test; each start takes tens of seconds on a busy machine. */
const TEST_TIMEOUT_MS = 240_000;
/** The embedded engine whatever the run's engine: DATABASE_URL empty means unset. */
const EMBEDDED = { DATABASE_URL: '', MIGRATIONS_RUN: 'true' };
/**
 * On a busy shared machine a process can be starved of CPU for seconds: the drain may take that
 * long to take in every queued connection, which is what is asserted here, not its duration.
 */
const PATIENT_DRAIN = { SHUTDOWN_TIMEOUT_SECONDS: '60' };
const QUEUED_REQUESTS = 16;

interface Outcome {
  status?: number;
  error?: string;
}

/**
 * Sends one registration on its own connection. `sent` resolves once the whole request has been
 * handed to the kernel (the connection is established), `outcome` with the status or the error.
 */
function register(app: TestApp): { sent: Promise<void>; outcome: Promise<Outcome> } {
  const body = JSON.stringify({ email: uniqueEmail('drain'), password: PASSWORD, name: 'Queued' });
  let sent!: () => void;
  const written = new Promise<void>((resolve) => (sent = resolve));
  const outcome = new Promise<Outcome>((resolve) => {
    const req = request(`${app.url}/v1/auth/register`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      sent();
      resolve({ error: err.code ?? err.message });
    });
    // Sent means connected and written: the request is in the server's hands before the signal.
    let connected = false;
    let written = false;
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        connected = true;
        if (written) sent();
      }),
    );
    req.end(body, () => {
      written = true;
      if (connected) sent();
    });
  });
  return { sent: written, outcome };
}

/**
 * Sends many slow requests at once (each hashes a password and writes two rows) and SIGTERMs the
 * app as soon as they are all sent: every request the client sent before the signal must be
 * answered, none reset, none refused.
 */
async function expectQueuedRequestsToFinish(app: TestApp): Promise<void> {
  const requests = Array.from({ length: QUEUED_REQUESTS }, () => register(app));
  await Promise.all(requests.map((r) => r.sent));
  app.process.kill('SIGTERM');
  const results = await Promise.all(requests.map((r) => r.outcome));
  expect(results).toEqual(Array.from({ length: QUEUED_REQUESTS }, () => ({ status: 201 })));
  expect(await app.stop()).toBe(0);
}

describe('SIGTERM drain with queued requests', () => {
  it(
    'on the embedded database (one connection), every queued request is answered',
    async () => {
      await expectQueuedRequestsToFinish(await startApp({ ...EMBEDDED, ...PATIENT_DRAIN }));
    },
    TEST_TIMEOUT_MS,
  );

  (onRealPostgres() ? it : it.skip)(
    'on PostgreSQL, every queued request is answered',
    async () => {
      await expectQueuedRequestsToFinish(await startApp({ DB_POOL_SIZE: '2', ...PATIENT_DRAIN }));
    },
    TEST_TIMEOUT_MS,
  );
});

describe('embedded data directory lock', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'workdeck-lock-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const lockFile = (): string => join(dataDir, 'pgdata.lock');

  it(
    'a second instance on the same DATA_DIR stops at once with one line naming the owner',
    async () => {
      const first = await startApp({ ...EMBEDDED, DATA_DIR: dataDir });
      try {
        expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(first.process.pid));
        const second = spawnSync(process.execPath, [MAIN], {
          env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'test' },
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(second.status).toBe(1);
        const lines = second.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toBe(
          `workdeck cannot start: DATA_DIR ${dataDir} is in use by another workdeck process ` +
            `(pid ${first.process.pid}): stop that process or set another DATA_DIR ` +
            `(lock file ${lockFile()})`,
        );
        // The first instance is undisturbed.
        expect((await client(first).get('/health/ready')).status).toBe(200);
      } finally {
        expect(await first.stop()).toBe(0);
      }
      // A clean stop gives the lock up.
      expect(existsSync(lockFile())).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a lock left by a process that died is taken over',
    async () => {
      const dead = spawnSync(
        process.execPath,
        ['-e', 'process.stdout.write(String(process.pid))'],
        {
          encoding: 'utf8',
        },
      );
      writeFileSync(lockFile(), `${dead.stdout}\n`);
      const app = await startApp({ ...EMBEDDED, DATA_DIR: dataDir });
      try {
        expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(app.process.pid));
        expect((await client(app).get('/health/ready')).status).toBe(200);
      } finally {
        await app.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a killed instance leaves its lock behind, and the next start takes it over with the data',
    async () => {
      const first = await startApp({ ...EMBEDDED, DATA_DIR: dataDir });
      const api = client(first);
      const email = uniqueEmail('survivor');
      expect(
        (await api.post('/v1/auth/register', { email, password: PASSWORD, name: 'S' })).status,
      ).toBe(201);
      await first.stop('SIGKILL');
      expect(readFileSync(lockFile(), 'utf8').trim()).toBe(String(first.process.pid));
      const second = await startApp({ ...EMBEDDED, DATA_DIR: dataDir });
      try {
        const login = await client(second).post('/v1/auth/login', { email, password: PASSWORD });
        expect(login.status).toBe(200);
      } finally {
        await second.stop();
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('start console', () => {
  it(
    'is one line saying where the API and its docs are, without route dumps or warnings',
    async () => {
      const app = await startApp({ ...EMBEDDED, LOG_LEVEL: 'info' });
      const port = new URL(app.url).port;
      await app.stop();
      const output = app.output();
      expect(output).not.toMatch(/RouterExplorer|RoutesResolver|InstanceLoader|Mapped \{/);
      expect(output).not.toMatch(/FSTWRN|Warning/);
      const startLines = output
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map(
          (l) => JSON.parse(l) as { msg: string; url?: string; docs?: string; requestId?: string },
        )
        // Not the access lines of the readiness probes, not the shutdown.
        .filter((l) => l.requestId === undefined && !l.msg.startsWith('shutting down'));
      expect(startLines).toEqual([
        expect.objectContaining({
          msg: `workdeck is listening on http://127.0.0.1:${port} (API docs: http://127.0.0.1:${port}/docs)`,
          url: `http://127.0.0.1:${port}`,
          docs: `http://127.0.0.1:${port}/docs`,
        }),
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'names localhost when listening on every interface',
    async () => {
      const app = await startApp({ ...EMBEDDED, HOST: '0.0.0.0' });
      await app.stop();
      expect(app.output()).toContain(`"docs":"http://localhost:${new URL(app.url).port}/docs"`);
    },
    TEST_TIMEOUT_MS,
  );
});

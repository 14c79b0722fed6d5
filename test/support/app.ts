import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh embedded database on a machine shared by many test runs can take a while. */
const READY_TIMEOUT_MS = 120_000;
const POLL_MS = 100;
const MAIN = join(process.cwd(), 'dist/src/main.js');

export interface TestApp {
  url: string;
  /** Everything the process wrote (JSON log lines), for assertions on logs. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  process: ChildProcess;
}

/** True when specs run against a real PostgreSQL server (several connections, races). */
export const onRealPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts the built app (`dist/`) as its own process on a free port, as a user would run it, and
 * waits until /health/ready answers. On the real server all apps share the run's database; on
 * PGlite each app gets an embedded database in a temporary DATA_DIR. `options.main` starts
 * another build's entry point.
 */
export async function startApp(
  env: Record<string, string> = {},
  options: { main?: string } = {},
): Promise<TestApp> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'workdeck-test-'));
  const child = spawn(process.execPath, [options.main ?? MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
      // Every app of a run shares the database, and so its webhook deliveries: like instances
      // of one deployment they share the key sealing connector secrets and the delivery
      // settings (local receivers on 127.0.0.1, a retry schedule in seconds).
      CONNECTOR_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: '1,1',
      WEBHOOK_TIMEOUT_MS: '2000',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      PRE_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...(process.env.TEST_DATABASE_URL
        ? { DATABASE_URL: process.env.TEST_DATABASE_URL, MIGRATIONS_RUN: 'false' }
        : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = `http://127.0.0.1:${port}`;
  const app: TestApp = {
    url,
    output: () => output,
    process: child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) return app;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await app.stop('SIGKILL');
  throw new Error(`app not ready in ${READY_TIMEOUT_MS} ms:\n${output}`);
}

// Starts the built app (dist/src/main.js, build it first) on a free port and a throw-away
// database, for the OpenAPI lint and typed-client checks: they read the document the server
// really serves and talk to the server that serves it.
//   DATABASE_URL set: a scratch database on that server (migrated by the app at start), dropped
//   afterwards. Unset: embedded PGlite in a temporary DATA_DIR.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, root } from './support.mjs';

export { root };

const READY_TIMEOUT_MS = 90_000;
const POLL_MS = 200;
const STOP_TIMEOUT_MS = 15_000;

async function scratchDatabase(base) {
  const name = `workdeck_openapi_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = new pg.Client({ connectionString: base });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** Runs `work(baseUrl)` against a started app, then stops it and drops its data. */
export async function withApp(work) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'workdeck-openapi-'));
  const db = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : null;
  const child = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.APP_LOG_LEVEL ?? 'warn',
      DB_POOL_SIZE: '4',
      JWT_SECRET: 'openapi-check-secret-openapi-check-secret-0123',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      PRE_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...(db ? { DATABASE_URL: db.url } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline)
        throw new Error(`app not ready in ${READY_TIMEOUT_MS} ms:\n${output}`);
      const ready = await fetch(`${url}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return await work(url);
  } catch (err) {
    if (output) process.stderr.write(`app output:\n${output.slice(-4000)}\n`);
    throw err;
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  }
}

/** The document the app serves at /openapi.json. */
export async function fetchDocument(url) {
  const res = await fetch(`${url}/openapi.json`);
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  return res.json();
}

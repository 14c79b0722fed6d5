// Starts the built app (dist/src/main.js, build it first) on a free port and a throw-away
// database, for the OpenAPI lint and typed-client checks: they read the document the server
// really serves and talk to the server that serves it.
//   DATABASE_URL set: a scratch database on that server (migrated by the app at start), dropped
//   afterwards. Unset: embedded PGlite in a temporary DATA_DIR.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, root, startApp, withClient } from './support.mjs';

export { root };

const READY_TIMEOUT_MS = 90_000;

async function scratchDatabase(base) {
  const name = `workdeck_openapi_${randomBytes(6).toString('hex')}`;
  await withClient(base, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: databaseUrl(base, name).toString(),
    drop: () => withClient(base, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** Runs `work(baseUrl)` against a started app, then stops it and drops its data. */
export async function withApp(work) {
  const dataDir = mkdtempSync(join(tmpdir(), 'workdeck-openapi-'));
  const db = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : null;
  let app;
  try {
    app = await startApp({
      label: 'app',
      readyTimeoutMs: READY_TIMEOUT_MS,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.APP_LOG_LEVEL ?? 'warn',
        DB_POOL_SIZE: '4',
        JWT_SECRET: 'openapi-check-secret-openapi-check-secret-0123',
        RATE_LIMIT_PER_MINUTE: '100000',
        AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        PRE_AUTH_RATE_LIMIT_PER_MINUTE: '100000',
        ...(db ? { DATABASE_URL: db.url } : {}),
      },
    });
    return await work(app.url);
  } catch (err) {
    const output = app?.output();
    if (output) process.stderr.write(`app output:\n${output.slice(-4000)}\n`);
    throw err;
  } finally {
    await app?.stop();
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

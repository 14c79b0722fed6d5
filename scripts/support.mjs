// Helpers the scripts share (the benches, the OpenAPI tools): the repository root, a free port, a
// pg client for one piece of work, a JSON call to the API, and the built app started on a free
// port and awaited until ready.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The repository's root (the parent of scripts/). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Node flags `npm start` runs the app with (package.json's start script is
 * `node <flags> dist/src/main.js`), so that the benches and the CI smoke run measure and run it as
 * deployed (see README, Operations: memory). `BENCH_APP_NODE_FLAGS` replaces them (empty: none),
 * for an A/B of the flags themselves.
 */
export const APP_NODE_FLAGS = (() => {
  const override = process.env.BENCH_APP_NODE_FLAGS;
  if (override !== undefined) return override.split(' ').filter(Boolean);
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  const shape = /^node((?: --\S+)*) dist\/src\/main\.js$/.exec(start);
  if (!shape)
    throw new Error(`package.json's start script is not "node [flags] dist/src/main.js": ${start}`);
  return shape[1].split(' ').filter(Boolean);
})();

/** How long `stop` waits after its signal before it kills the process. */
const STOP_TIMEOUT_MS = 15_000;

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Runs `fn(client)` with a connected pg client on `url`, and ends the client afterwards. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Exits with status 2, saying why on stderr, unless PostgreSQL answers at `url`. */
export async function requirePostgres(url) {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
  } catch (err) {
    process.stderr.write(
      `bench needs a real PostgreSQL at DATABASE_URL (${url}): ${err.message}\n`,
    );
    process.exit(2);
  }
}

/** `url` (a connection string) naming the database `dbName` instead: a URL object. */
export function databaseUrl(url, dbName) {
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${dbName}`;
  return dbUrl;
}

/**
 * Calls the API of `app` (anything with a `url`) with an optional JSON body and bearer token;
 * throws unless the status is below 300. Answers the parsed body (null if none) and the headers.
 */
export async function apiResponse(app, method, path, body, token) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (res.status >= 300)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return { json, headers: res.headers };
}

/** As apiResponse, answering the parsed body alone. */
export async function api(app, method, path, body, token) {
  return (await apiResponse(app, method, path, body, token)).json;
}

/**
 * Spawns `node [...flags, ...nodeArgs] <root>/<entry>` (cwd: root; flags: APP_NODE_FLAGS for the
 * app's entry, none for another) with exactly `env` plus PORT and HOST (a free 127.0.0.1 port),
 * keeps its stdout and stderr, and waits (up to `readyTimeoutMs`) until /health/ready answers
 * 200. Errors name the process by `label` and carry its output.
 * Answers { url, pid, output(), stop(signal = 'SIGTERM') }: stop signals the process unless it
 * has already ended (and kills it if it has not exited 15 s later), and resolves once it has
 * exited.
 */
export async function startApp({
  label,
  env,
  entry = 'dist/src/main.js',
  nodeArgs = [],
  readyTimeoutMs = 60_000,
}) {
  const port = await freePort();
  // The app as `npm start` runs it; another entry (the bench's baseline server) as it is.
  const flags = entry === 'dist/src/main.js' ? APP_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, ...nodeArgs, join(root, entry)], {
    cwd: root,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${label} exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) {
        return {
          url,
          pid: child.pid,
          output: () => output,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill(signal);
            const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            await exited;
            clearTimeout(timer);
          },
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${label} not ready in ${readyTimeoutMs} ms:\n${output}`);
}

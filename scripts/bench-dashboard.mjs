// npm run bench:dashboard: the dashboard's reads on a large seeded workspace.
//   1. creates a scratch database on DATABASE_URL (a real PostgreSQL), migrates it, starts the
//      built app (npm run build first), registers a user and a workspace through the API;
//   2. seeds BENCH_DASHBOARD_CARDS cards (default 1,000,000; one board holding a fifth, the rest
//      over 50 boards; 2 years of history) into the dashboard's own tables by SQL: the routes
//      read only those, so that is what their cost depends on;
//   3. prints EXPLAIN of every dashboard query (the exact SQL of dist/src/dashboard) and fails
//      if any plan scans dashboard_cards or dashboard_intervals sequentially;
//   4. drives the workspace dashboard, the board metrics over 90 days and a 304 revalidation with
//      autocannon (BENCH_CONNECTIONS=32, BENCH_DURATION_S=10) and prints p50/p99.
// Small run: BENCH_DASHBOARD_CARDS=20000 BENCH_DURATION_S=3 npm run bench:dashboard
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const BASE_URL = env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const CARDS = Number(env.BENCH_DASHBOARD_CARDS ?? 1_000_000);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 10);
const SMALL_BOARDS = 50;
const BIG_BOARD_SHARE = 0.2;
const HISTORY_DAYS = 730;
const METRICS_DAYS = 90;
const P99_TARGET_MS = 50;
const JWT_SECRET = randomBytes(32).toString('hex');
const log = (msg) => process.stdout.write(`[bench:dashboard] ${msg}\n`);

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function startApp(dbUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
    cwd: root,
    env: {
      PATH: env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl,
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_PER_MINUTE: '1000000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      PRE_AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) {
        return {
          url,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`app not ready:\n${output}`);
}

async function api(app, method, path, body, token) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return { json, headers: res.headers };
}

/** Boards, columns (the last one done), cards with 2 years of flow history, their stays. */
async function seed(db, ws) {
  await db.query('BEGIN');
  await db.query(
    `INSERT INTO dashboard_boards (id, workspace_id, name)
     SELECT gen_random_uuid(), $1, 'Board ' || n FROM generate_series(0, $2) n`,
    [ws, SMALL_BOARDS],
  );
  await db.query(
    `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position, is_done)
     SELECT $1, gen_random_uuid(), b.id, 'Column ' || k, chr(96 + k), k = 4
       FROM dashboard_boards b CROSS JOIN generate_series(1, 4) k WHERE b.workspace_id = $1`,
    [ws],
  );
  // Card n goes to the big board ('Board 0') with probability BIG_BOARD_SHARE.
  await db.query(
    `WITH boards AS (
       SELECT id, row_number() OVER (ORDER BY name = 'Board 0' DESC, id) - 1 AS k
         FROM dashboard_boards WHERE workspace_id = $1),
     raw AS (
       SELECT n, random() AS r, random() AS f, random() AS a, random() AS d, random() AS s,
              now() - random() * interval '${HISTORY_DAYS} days' AS created
         FROM generate_series(1, $2) n),
     placed AS (
       SELECT raw.*, (SELECT id FROM boards WHERE k = CASE WHEN r < $3 THEN 0
                        ELSE 1 + (n % ${SMALL_BOARDS}) END) AS board_id,
              LEAST(created + s * interval '5 days', now()) AS started
         FROM raw)
     INSERT INTO dashboard_cards (workspace_id, card_id, board_id, column_id, created_at,
                                  column_entered_at, started_at, finished_at, due_at, archived_at)
     SELECT $1, gen_random_uuid(), p.board_id, c.column_id, p.created, p.started,
            CASE WHEN f < 0.85 THEN p.started END,
            CASE WHEN f < 0.7 THEN LEAST(p.started + f * interval '20 days', now()) END,
            CASE WHEN d < 0.3 THEN now() + (d - 0.1) * interval '30 days' END,
            CASE WHEN a < 0.1 THEN LEAST(p.started + interval '30 days', now()) END
       FROM placed p
       JOIN dashboard_columns c ON c.workspace_id = $1 AND c.board_id = p.board_id
        AND c.position = CASE WHEN f < 0.7 THEN 'd' WHEN f < 0.85 THEN 'b' ELSE 'a' END`,
    [ws, CARDS, BIG_BOARD_SHARE],
  );
  await db.query(
    `INSERT INTO dashboard_intervals (id, workspace_id, board_id, card_id, column_id, entered_at, left_at)
     SELECT gen_random_uuid(), $1, board_id, card_id, column_id, column_entered_at, archived_at
       FROM dashboard_cards WHERE workspace_id = $1`,
    [ws],
  );
  await db.query(
    `UPDATE dashboard_columns c SET
       open_cards = (SELECT count(*) FROM dashboard_cards d WHERE d.workspace_id = c.workspace_id
                      AND d.column_id = c.column_id AND d.archived_at IS NULL),
       archived_cards = (SELECT count(*) FROM dashboard_cards d WHERE d.workspace_id = c.workspace_id
                      AND d.column_id = c.column_id AND d.archived_at IS NOT NULL)
     WHERE c.workspace_id = $1`,
    [ws],
  );
  await db.query('COMMIT');
  await db.query('ANALYZE dashboard_boards, dashboard_columns, dashboard_cards, dashboard_intervals');
  const { rows } = await db.query(
    `SELECT id FROM dashboard_boards WHERE workspace_id = $1 AND name = 'Board 0'`,
    [ws],
  );
  return rows[0].id;
}

/** Every dashboard query's exact SQL (from the built module), EXPLAINed; no seq scan allowed. */
async function explainAll(db, ws, boardId) {
  const q = await import(pathToFileURL(join(root, 'dist/src/dashboard/dashboard.queries.js')).href);
  const captured = [];
  const em = {
    query: async (sql, params) => {
      captured.push({ sql, params });
      return [];
    },
  };
  const now = new Date();
  const from = new Date(now.getTime() - METRICS_DAYS * 86_400_000);
  const day = (d) => d.toISOString().slice(0, 10);
  await q.columnCounts(em, ws);
  await q.dueCounts(em, ws, now);
  await q.throughputByDay(em, ws, null, from, now, 'UTC');
  await q.throughputByDay(em, ws, boardId, from, now, 'Europe/Berlin');
  await q.flowTimes(em, ws, null, from, now);
  await q.flowTimes(em, ws, boardId, from, now);
  await q.ages(em, ws, now);
  await q.oldest(em, ws, [boardId], 5);
  await q.cumulativeFlow(em, ws, boardId, day(from), day(now), 'Europe/Berlin');
  let bad = 0;
  for (const { sql, params } of captured) {
    const { rows } = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    const seqScans = [];
    const walk = (node) => {
      if (node['Node Type'] === 'Seq Scan' && /^dashboard_(cards|intervals)$/.test(node['Relation Name'])) {
        seqScans.push(node['Relation Name']);
      }
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    const name = sql.replace(/\s+/g, ' ').slice(0, 90);
    log(`${seqScans.length ? 'SEQ SCAN' : 'index   '} ${name}...`);
    if (seqScans.length) bad += 1;
  }
  return bad;
}

function run(app, requests) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: app.url, connections: CONNECTIONS, duration: DURATION_S, requests, timeout: 10 },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('error', reject);
  });
}

async function main() {
  await withClient(BASE_URL, (c) => c.query('SELECT 1'));
  const dbName = `workdeck_bench_dash_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dbUrl = new URL(BASE_URL);
  dbUrl.pathname = `/${dbName}`;
  await withClient(BASE_URL, (c) => c.query(`CREATE DATABASE ${dbName}`));
  let app;
  try {
    execFileSync(process.execPath, [join(root, 'scripts/migrations.mjs'), 'run'], {
      cwd: root,
      env: { ...env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    app = await startApp(dbUrl.toString());
    const reg = (
      await api(app, 'POST', '/v1/auth/register', {
        email: `bench-${randomBytes(4).toString('hex')}@example.com`,
        password: 'correct horse battery staple',
        name: 'Bench',
      })
    ).json;
    const token = reg.accessToken;
    const ws = (await api(app, 'POST', '/v1/workspaces', { name: 'Bench' }, token)).json.id;
    const t0 = Date.now();
    const boardId = await withClient(dbUrl.toString(), (db) => seed(db, ws));
    log(`seeded ${CARDS} cards in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const seqScans = await withClient(dbUrl.toString(), (db) => explainAll(db, ws, boardId));
    const auth = { authorization: `Bearer ${token}` };
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - (METRICS_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const dashboardPath = `/v1/workspaces/${ws}/dashboard`;
    const metricsPath = `/v1/boards/${boardId}/metrics?from=${from}&to=${to}&tz=Europe/Berlin`;
    // The ETag includes how far the projection got: wait until it has caught up (stable).
    const etagNow = async () => (await api(app, 'GET', dashboardPath, undefined, token)).headers.get('etag');
    let etag = await etagNow();
    for (let next = await etagNow(); next !== etag; next = await etagNow()) etag = next;
    const check = await fetch(`${app.url}${dashboardPath}`, {
      headers: { ...auth, 'if-none-match': etag },
    });
    log(`revalidation with ${etag}: ${check.status}`);
    const scenarios = [
      ['workspace dashboard', [{ method: 'GET', path: dashboardPath, headers: auth }]],
      [`board metrics (${METRICS_DAYS} days)`, [{ method: 'GET', path: metricsPath, headers: auth }]],
      [
        'dashboard 304 revalidation',
        [{ method: 'GET', path: dashboardPath, headers: { ...auth, 'if-none-match': etag } }],
      ],
    ];
    const rows = [];
    for (const [name, requests] of scenarios) {
      const r = await run(app, requests);
      rows.push(
        `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts} | ${r.non2xx} | < ${P99_TARGET_MS} ${r.latency.p99 < P99_TARGET_MS ? 'met' : 'MISSED'} |`,
      );
    }
    process.stdout.write(
      `\n${CARDS} cards, ${CONNECTIONS} connections, ${DURATION_S} s per scenario\n` +
        '| scenario | req/s | p50 ms | p99 ms | errors | non-2xx (304 counts) | p99 target |\n|---|---|---|---|---|---|---|\n' +
        `${rows.join('\n')}\n`,
    );
    if (seqScans) {
      process.stderr.write(`${seqScans} plan(s) scan dashboard_cards/intervals sequentially\n`);
      process.exitCode = 1;
    }
  } finally {
    await app?.stop();
    await withClient(BASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  }
}

await main();

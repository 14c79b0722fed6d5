// npm run bench:dashboard: the dashboard's reads on a large seeded workspace.
//   1. creates a scratch database on DATABASE_URL (a real PostgreSQL), migrates it, starts the
//      built app (npm run build first), registers a user and a workspace through the API;
//   2. seeds BENCH_DASHBOARD_CARDS cards (default 1,000,000; one board holding a fifth, the rest
//      over 50 boards; 2 years of history) into the dashboard's own tables by set-based SQL, with
//      their stays and the rollups recounted from them: the routes read only those tables;
//   3. prints EXPLAIN ANALYZE of every query of a dashboard and a 90-day metrics request (the
//      exact SQL of dist/src/dashboard, with its time: the profile) and fails if any plan scans
//      the cards, stays or rollups sequentially;
//   4. drives the workspace dashboard, the board metrics over 90 days and a 304 revalidation with
//      autocannon (BENCH_CONNECTIONS=32, BENCH_DURATION_S=10) and prints p50/p99: first warm (the
//      app keeps answers by validator, so nearly every request is a hit: one miss per key and
//      minute), then cold on an app started with DASHBOARD_CACHE_ENTRIES=0 (every request
//      computes its answer, nothing shared), with the load average before and after each; and,
//      between the two, the dashboard polled while a card moves every BENCH_WRITE_INTERVAL_MS
//      (1000): the realistic case, where the first request after each change computes.
// Small run: BENCH_DASHBOARD_CARDS=20000 BENCH_DURATION_S=3 npm run bench:dashboard
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { api, apiResponse, databaseUrl, root, startApp, withClient } from './support.mjs';

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
const WRITE_INTERVAL_MS = Number(env.BENCH_WRITE_INTERVAL_MS ?? 1000);
const JWT_SECRET = randomBytes(32).toString('hex');
const log = (msg) => process.stdout.write(`[bench:dashboard] ${msg}\n`);

async function startDashboardApp(dbUrl, extraEnv = {}) {
  // BENCH_NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof) profiles the app itself.
  const nodeArgs = env.BENCH_NODE_ARGS ? env.BENCH_NODE_ARGS.split(' ') : [];
  return startApp({
    label: 'app',
    nodeArgs,
    env: {
      PATH: env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_PER_MINUTE: '1000000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      PRE_AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      ...extraEnv,
    },
  });
}

/** A pg client as the `em.query` the dashboard's SQL expects (rows only), recording each call. */
const asEm = (db, captured) => ({
  query: async (sql, params) => {
    captured?.push({ sql, params });
    return (await db.query(sql, params)).rows;
  },
});

/**
 * Boards, columns (a, b, c, d; d done), cards with 2 years of flow history, their stays
 * ([created, started) in a, [started, finished) in b, [finished, …) in d; an archive closes
 * the last one), the counters, and the rollups recounted from those rows by the same SQL the
 * reconciliation uses (so they agree with the stays by construction). All set-based.
 */
async function seed(db, ws) {
  const step = async (what, sql, params) => {
    const t = Date.now();
    await db.query(sql, params);
    log(`  ${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  await db.query('BEGIN');
  // generate_series hides its size from the planner (it guesses 1000 rows): without this it
  // joins every generated card to the columns by nested loop.
  await db.query('SET LOCAL enable_nestloop = off');
  await step(
    'boards',
    `INSERT INTO dashboard_boards (id, workspace_id, name)
     SELECT gen_random_uuid(), $1, 'Board ' || n FROM generate_series(0, $2) n`,
    [ws, SMALL_BOARDS],
  );
  await step(
    'columns',
    `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position, is_done)
     SELECT $1, gen_random_uuid(), b.id, 'Column ' || k, chr(96 + k), k = 4
       FROM dashboard_boards b CROSS JOIN generate_series(1, 4) k WHERE b.workspace_id = $1`,
    [ws],
  );
  // Card n goes to the big board ('Board 0') with probability BIG_BOARD_SHARE.
  await step(
    'cards',
    `WITH boards AS (
       SELECT id, row_number() OVER (ORDER BY name = 'Board 0' DESC, id) - 1 AS k
         FROM dashboard_boards WHERE workspace_id = $1),
     cols AS (
       SELECT b.k, c.position, c.column_id FROM boards b
         JOIN dashboard_columns c ON c.workspace_id = $1 AND c.board_id = b.id),
     raw AS (
       SELECT n, random() AS r, random() AS f, random() AS a, random() AS d, random() AS s,
              now() - random() * interval '${HISTORY_DAYS} days' AS created
         FROM generate_series(1, $2) n),
     placed AS (
       SELECT raw.*, CASE WHEN r < $3 THEN 0 ELSE 1 + (n % ${SMALL_BOARDS}) END AS k,
              LEAST(created + s * interval '5 days', now()) AS started
         FROM raw),
     timed AS (
       SELECT p.*, CASE WHEN f < 0.85 THEN started END AS started_at,
              CASE WHEN f < 0.7 THEN LEAST(started + f * interval '20 days', now()) END AS finished_at,
              CASE WHEN a < 0.1 THEN LEAST(started + interval '30 days', now()) END AS archived_at
         FROM placed p)
     INSERT INTO dashboard_cards (workspace_id, card_id, board_id, column_id, created_at,
                                  column_entered_at, started_at, finished_at, due_at, archived_at)
     SELECT $1, gen_random_uuid(), b.id, c.column_id, t.created,
            COALESCE(t.finished_at, t.started_at, t.created), t.started_at, t.finished_at,
            CASE WHEN d < 0.3 THEN now() + (d - 0.1) * interval '30 days' END, t.archived_at
       FROM timed t JOIN boards b ON b.k = t.k
       JOIN cols c ON c.k = t.k
        AND c.position = CASE WHEN f < 0.7 THEN 'd' WHEN f < 0.85 THEN 'b' ELSE 'a' END`,
    [ws, CARDS, BIG_BOARD_SHARE],
  );
  await step(
    'stays',
    `WITH cols AS (
       SELECT board_id, max(column_id::text) FILTER (WHERE position = 'a')::uuid AS a,
              max(column_id::text) FILTER (WHERE position = 'b')::uuid AS b
         FROM dashboard_columns WHERE workspace_id = $1 GROUP BY board_id)
     INSERT INTO dashboard_intervals (id, workspace_id, board_id, card_id, column_id, entered_at, left_at)
     SELECT gen_random_uuid(), $1, c.board_id, c.card_id, s.column_id, s.entered_at, s.left_at
       FROM dashboard_cards c JOIN cols ON cols.board_id = c.board_id
      CROSS JOIN LATERAL (VALUES
        (cols.a, c.created_at, COALESCE(c.started_at, c.archived_at)),
        (CASE WHEN c.started_at IS NOT NULL THEN cols.b END, c.started_at,
         COALESCE(c.finished_at, c.archived_at)),
        (CASE WHEN c.finished_at IS NOT NULL THEN c.column_id END, c.finished_at, c.archived_at)
      ) AS s(column_id, entered_at, left_at)
      WHERE c.workspace_id = $1 AND s.column_id IS NOT NULL`,
    [ws],
  );
  await step(
    'counters',
    `UPDATE dashboard_columns c SET open_cards = n.open, archived_cards = n.archived
       FROM (SELECT column_id, count(*) FILTER (WHERE archived_at IS NULL) AS open,
                    count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived
               FROM dashboard_cards WHERE workspace_id = $1 GROUP BY column_id) n
      WHERE c.workspace_id = $1 AND c.column_id = n.column_id`,
    [ws],
  );
  const { repairRollups } = await import(
    pathToFileURL(join(root, 'dist/src/dashboard/flow.rollups.js')).href
  );
  const t = Date.now();
  await db.query('SET LOCAL enable_nestloop = on');
  const rows = await repairRollups(asEm(db), ws);
  log(`  rollups ${JSON.stringify(rows)}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  await db.query('COMMIT');
  await db.query(
    'VACUUM ANALYZE dashboard_boards, dashboard_columns, dashboard_cards, dashboard_intervals',
  );
  await db.query(
    'VACUUM ANALYZE dashboard_flow_buckets, dashboard_flow_days, dashboard_flow_times, dashboard_wip_months',
  );
  const { rows: board } = await db.query(
    `SELECT id FROM dashboard_boards WHERE workspace_id = $1 AND name = 'Board 0'`,
    [ws],
  );
  return board[0].id;
}

/**
 * Tables no request may scan sequentially. The board and column copies and
 * `dashboard_wip_months` (boards × months: 1,243 rows at 1M cards, all of this workspace) may
 * be: the planner rightly reads a table that small whole.
 */
const NO_SEQ_SCAN = /^dashboard_(cards|intervals|flow_buckets|flow_days|flow_times|due_hours)$/;

/**
 * Every query of the dashboard and of the 90-day board metrics, as the built module issues
 * them against the seeded data, with EXPLAIN ANALYZE: the plan's verdict (no sequential scan of
 * the tables above) and each query's execution time in the database (the profile).
 */
async function explainAll(db, ws, boardId) {
  const q = await import(pathToFileURL(join(root, 'dist/src/dashboard/dashboard.queries.js')).href);
  const captured = [];
  const em = asEm(db, captured);
  await db.query('SET jit = off'); // as the app's connections (src/database/data-source.options.ts)
  const now = new Date();
  const day = (d) => d.toISOString().slice(0, 10);
  const since = new Date(Math.floor((now.getTime() - 29 * 86_400_000) / 86_400_000) * 86_400_000);
  const columns = await q.columnCounts(em, ws);
  await q.dueCounts(em, ws, now);
  await q.throughputByUtcDay(em, ws, day(since));
  await q.workspaceFlowTimes(em, ws, day(since), since, now);
  const boardIds = [...new Set(columns.map((c) => c.boardId))];
  // The exact path too (taken for boards with few samples), whether or not this data needs it.
  const extra = new Set();
  extra.add(captured.length);
  await q.flowTimes(em, ws, boardIds.slice(1), since, now);
  await q.ages(em, ws, now);
  await q.oldest(em, ws, boardIds, 5);
  const from = day(new Date(now.getTime() - (METRICS_DAYS - 1) * 86_400_000));
  const days = [];
  for (let t = Date.parse(from); days.length < METRICS_DAYS; t += 86_400_000)
    days.push(day(new Date(t)));
  const flow = await q.boardFlow(em, ws, boardId, from, days, 'Europe/Berlin');
  const { leadSamples } = await q.boardFlowTimes(em, ws, boardId, flow.cuts[0], flow.cuts.at(-1));
  if (leadSamples > 100) extra.add(captured.length);
  await q.flowTimes(em, ws, boardId, flow.cuts[0], flow.cuts.at(-1));
  let bad = 0;
  const profile = [];
  for (const [i, { sql, params }] of captured.entries()) {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const seqScans = [];
    const walk = (node) => {
      if (node['Node Type'] === 'Seq Scan' && NO_SEQ_SCAN.test(node['Relation Name'])) {
        seqScans.push(node['Relation Name']);
      }
      for (const child of node.Plans ?? []) walk(child);
    };
    const plan = rows[0]['QUERY PLAN'][0];
    walk(plan.Plan);
    const name =
      `${extra.has(i) ? '(exact path, only if few samples) ' : ''}${sql.replace(/\s+/g, ' ').trim()}`.slice(
        0,
        80,
      );
    profile.push(
      `${plan['Execution Time'].toFixed(2).padStart(8)} ms  ${seqScans.length ? 'SEQ SCAN' : 'index   '}  ${name}`,
    );
    if (seqScans.length) bad += 1;
  }
  log(`EXPLAIN ANALYZE of ${captured.length} queries (dashboard, then metrics ${METRICS_DAYS} d):`);
  for (const line of profile) process.stdout.write(`  ${line}\n`);
  return bad;
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** One request at a time: the latency of the route itself, without queueing. */
async function serial(app, name, request) {
  const times = [];
  for (let i = 0; i < 10; i += 1) {
    const t = performance.now();
    const res = await fetch(`${app.url}${request.path}`, { headers: request.headers });
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  log(`serial ${name}: median ${times[5].toFixed(1)} ms, max ${times[9].toFixed(1)} ms`);
}

/** `connections` at once for the duration: a row of the table. */
async function loaded(app, name, requests) {
  const load = loadavg()[0].toFixed(1);
  const r = await run(app, requests);
  return `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.errors + r.timeouts} | ${r.non2xx} | < ${P99_TARGET_MS} ${r.latency.p99 < P99_TARGET_MS ? 'met' : 'MISSED'} | ${load} / ${loadavg()[0].toFixed(1)} |`;
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

/**
 * Runs `work` while one card of a board made for it moves between two columns every
 * `intervalMs` (through the API, so each move is a committed change of the workspace); the
 * board is deleted afterwards, so a kept database does not grow. Answers work's row and the
 * number of moves.
 */
async function whileWriting(app, token, ws, intervalMs, work) {
  const board = await api(
    app,
    'POST',
    `/v1/workspaces/${ws}/boards`,
    { name: 'Bench writer' },
    token,
  );
  const listed = await api(app, 'GET', `/v1/boards/${board.id}/columns`, undefined, token);
  const columns = Array.isArray(listed) ? listed : listed.data;
  const card = await api(app, 'POST', `/v1/boards/${board.id}/cards`, { title: 'moving' }, token);
  let stopped = false;
  let writes = 0;
  const writer = (async () => {
    for (let k = 1; !stopped; k ^= 1) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (stopped) break;
      await api(app, 'POST', `/v1/cards/${card.id}/move`, { columnId: columns[k].id }, token);
      writes += 1;
    }
  })();
  try {
    return { row: await work(), writes };
  } finally {
    stopped = true;
    await writer;
    await api(app, 'DELETE', `/v1/boards/${board.id}`, undefined, token);
  }
}

async function main() {
  await withClient(BASE_URL, (c) => c.query('SELECT 1'));
  // BENCH_DASHBOARD_DB=<name> keeps the seeded database for the next run (seeding 1M takes
  // minutes): created and seeded when missing, reused as it is otherwise, never dropped.
  const keep = env.BENCH_DASHBOARD_DB;
  if (keep && !/^[a-z_][a-z0-9_]*$/.test(keep)) throw new Error('BENCH_DASHBOARD_DB: a plain name');
  const dbName = keep || `workdeck_bench_dash_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dbUrl = databaseUrl(BASE_URL, dbName);
  const exists = await withClient(BASE_URL, async (c) => {
    const { rows } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (rows.length === 0) await c.query(`CREATE DATABASE ${dbName}`);
    return rows.length > 0;
  });
  const credentials = {
    email: 'bench-dashboard@example.com',
    password: 'correct horse battery staple',
  };
  let app;
  try {
    execFileSync(process.execPath, [join(root, 'scripts/migrations.mjs'), 'run'], {
      cwd: root,
      env: { ...env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    app = await startDashboardApp(dbUrl.toString());
    const seeded = exists
      ? await withClient(dbUrl.toString(), async (db) => {
          const { rows } = await db.query(
            `SELECT workspace_id AS ws, id FROM dashboard_boards WHERE name = 'Board 0' LIMIT 1`,
          );
          return rows[0];
        })
      : undefined;
    let token;
    let ws;
    let boardId;
    if (seeded) {
      token = (await api(app, 'POST', '/v1/auth/login', credentials)).accessToken;
      ({ ws, id: boardId } = seeded);
      log(`reusing ${dbName} (seeded before)`);
    } else {
      token = (await api(app, 'POST', '/v1/auth/register', { ...credentials, name: 'Bench' }))
        .accessToken;
      ws = (await api(app, 'POST', '/v1/workspaces', { name: 'Bench' }, token)).id;
      const t0 = Date.now();
      boardId = await withClient(dbUrl.toString(), (db) => seed(db, ws));
      log(`seeded ${CARDS} cards in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const seqScans = await withClient(dbUrl.toString(), (db) => explainAll(db, ws, boardId));
    const auth = { authorization: `Bearer ${token}` };
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - (METRICS_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const dashboardPath = `/v1/workspaces/${ws}/dashboard`;
    const metricsPath = `/v1/boards/${boardId}/metrics?from=${from}&to=${to}&tz=Europe/Berlin`;
    // The ETag includes how far the projection got: wait until it has caught up (stable).
    const etagNow = async () =>
      (await apiResponse(app, 'GET', dashboardPath, undefined, token)).headers.get('etag');
    let etag = await etagNow();
    for (let next = await etagNow(); next !== etag; next = await etagNow()) etag = next;
    const check = await fetch(`${app.url}${dashboardPath}`, {
      headers: { ...auth, 'if-none-match': etag },
    });
    log(`revalidation with ${etag}: ${check.status}`);
    const loadBefore = loadNow();
    const dashboard = { method: 'GET', path: dashboardPath, headers: auth };
    const metrics = { method: 'GET', path: metricsPath, headers: auth };
    const metricsName = `board metrics (${METRICS_DAYS} days)`;
    const rows = [];
    // Warm: the app keeps answers by validator (the serial rounds fill it).
    await serial(app, 'workspace dashboard, warm', dashboard);
    await serial(app, `${metricsName}, warm`, metrics);
    await serial(app, 'dashboard 304 revalidation', {
      ...dashboard,
      headers: { ...auth, 'if-none-match': etag },
    });
    rows.push(await loaded(app, 'workspace dashboard, warm', [dashboard]));
    rows.push(await loaded(app, `${metricsName}, warm`, [metrics]));
    // The same with `Accept-Encoding: gzip`, as browsers and HTTP libraries send it: the kept
    // answer's compressed bytes (about a tenth of the JSON).
    const gzip = (r) => ({ ...r, headers: { ...r.headers, 'accept-encoding': 'gzip' } });
    rows.push(await loaded(app, 'workspace dashboard, warm, gzip', [gzip(dashboard)]));
    rows.push(await loaded(app, `${metricsName}, warm, gzip`, [gzip(metrics)]));
    // The ETag moves every minute: revalidate with the current one and the next minute's (the
    // format is documented), so that a run crossing the minute still measures 304s.
    const current = await etagNow();
    const next = current.replace(/\.(\d+)"$/, (_, minute) => `.${Number(minute) + 1}"`);
    const revalidate = {
      ...dashboard,
      headers: { ...auth, 'if-none-match': `${current}, ${next}` },
    };
    rows.push(await loaded(app, 'dashboard 304 revalidation', [revalidate]));
    // Pollers while the workspace changes: a card moved every BENCH_WRITE_INTERVAL_MS (1 s), so
    // the validator moves (at the commit, and again when the projection has applied it) and
    // the first request after each move computes a new answer while the others wait for it.
    const writing = await whileWriting(app, token, ws, WRITE_INTERVAL_MS, () =>
      loaded(app, `workspace dashboard, gzip, a card moved every ${WRITE_INTERVAL_MS} ms`, [
        gzip(dashboard),
      ]),
    );
    rows.push(writing.row);
    log(`moves during the write round: ${writing.writes}`);
    const lookups = (await (await fetch(`${app.url}/metrics`)).text())
      .split('\n')
      .filter((line) => line.startsWith('workdeck_dashboard_cache_lookups_total{'));
    log(`cache lookups of the warm rounds:\n  ${lookups.join('\n  ')}`);
    // Cold: the same routes on an app that keeps nothing, so every request computes.
    await app.stop();
    app = await startDashboardApp(dbUrl.toString(), { DASHBOARD_CACHE_ENTRIES: '0' });
    await serial(app, 'workspace dashboard, cold', dashboard);
    await serial(app, `${metricsName}, cold`, metrics);
    rows.push(
      await loaded(app, 'workspace dashboard, cold (DASHBOARD_CACHE_ENTRIES=0)', [dashboard]),
    );
    rows.push(await loaded(app, `${metricsName}, cold (DASHBOARD_CACHE_ENTRIES=0)`, [metrics]));
    process.stdout.write(
      `\n${CARDS} cards, ${CONNECTIONS} connections, ${DURATION_S} s per scenario, ` +
        `${availableParallelism()} CPUs, load average (1/5/15 min) ${loadBefore} before, ${loadNow()} after\n` +
        '| scenario | req/s | p50 ms | p99 ms | errors | non-2xx (304 counts) | p99 target | load avg before / after |\n|---|---|---|---|---|---|---|---|\n' +
        `${rows.join('\n')}\n`,
    );
    if (seqScans) {
      process.stderr.write(`${seqScans} plan(s) scan cards, stays or rollups sequentially\n`);
      process.exitCode = 1;
    }
  } finally {
    await app?.stop();
    if (!keep) {
      await withClient(BASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    }
  }
}

await main();

#!/usr/bin/env node
// npm run bench: the board module under load, on a real PostgreSQL (DESIGN §6).
//
//   1. creates a fresh database on DATABASE_URL's server (default postgres://root@127.0.0.1:5432/postgres)
//      and applies the migrations (scripts/migrations.mjs run, which also builds dist/);
//   2. starts the built app (dist/src/main.js, as npm start runs it) on a free port,
//      LOG_LEVEL=warn, rate limits off;
//   3. registers a user and a workspace through the API (a real login token), then seeds by SQL:
//      more members, a board with 5 columns, 10 labels and BENCH_CARDS (100k) cards with valid
//      fractional-indexing keys (generated here with the same library), labels and assignees;
//   4. drives each scenario with autocannon (BENCH_CONNECTIONS=32 for BENCH_DURATION_S=10 s after a
//      short warm-up): list a page of 50 on the 100k board (first page and deep cursors), get one
//      card, create a card with a unique Idempotency-Key, move a card between two columns;
//   5. prints requests/s, p50, p99, errors and non-2xx per scenario, with the CPU each request
//      cost the app process, the bench database's PostgreSQL backends and this load generator
//      (from /proc: tells a slow code path from a busy machine; the load average is printed too),
//      stops the app and drops the database (BENCH_KEEP_DB=true keeps it, for EXPLAIN).
// Knobs: BENCH_CARDS, BENCH_CONNECTIONS, BENCH_DURATION_S, BENCH_WARMUP_S, BENCH_DB_POOL_SIZE,
// BENCH_BACKGROUND_JOBS (false: the app runs no outbox consumers or scheduler: the request path
// alone; the default of --baseline, see backgroundJobs).
//
// npm run bench -- --baseline: the four board scenarios against workdeck and against a raw
// Fastify + pg server doing the same work (scripts/bench-baseline-server.mjs), and the warm
// dashboard on workdeck alone (a row with the same columns and no baseline):
//   1. both start with scripts/bench-capture.mjs preloaded; for each scenario the bench sends the
//      same request (writes: the same kind of request) to both and fails unless they send the
//      same statements in the same order and answer the same status, headers and body bytes (a
//      write's answer is compared with the other server's GET of the card it wrote);
//      BENCH_DUMP_STATEMENTS=true prints workdeck's statements per scenario;
//   2. both restart without the capture; after a warm-up, BENCH_ROUNDS (3) interleaved rounds
//      run every scenario on workdeck then on the baseline, BENCH_DURATION_S (5) s each;
//   3. prints per scenario the medians of req/s, p50, p99, server CPU ms per request (from
//      /proc), PostgreSQL backend CPU ms per request, peak RSS during a run, and the ratios
//      against the targets. BENCH_SCENARIOS=list,get,create,move,dashboard picks scenarios;
//      BENCH_PROFILE_DIR=dir makes both measured servers write V8 CPU profiles into dir.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { generateNKeysBetween } from 'fractional-indexing';
import pg from 'pg';
import { api, databaseUrl, requirePostgres, root, startApp, withClient } from './support.mjs';

const env = process.env;
const BASE_URL = env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const CARDS = Number(env.BENCH_CARDS ?? 100_000);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32);
const BASELINE = process.argv.slice(2).includes('--baseline');
// Interleaved rounds compare two servers on a noisy machine: shorter runs, several of them.
const DURATION_S = Number(env.BENCH_DURATION_S ?? (BASELINE ? 5 : 10));
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const ONLY = env.BENCH_SCENARIOS ? env.BENCH_SCENARIOS.split(',') : null;
const DUMP_STATEMENTS = env.BENCH_DUMP_STATEMENTS === 'true';
/** BENCH_PROFILE_DIR=dir: the measured servers write V8 CPU profiles there (dir/<server>/). */
const PROFILE_DIR = env.BENCH_PROFILE_DIR;
const WARMUP_S = Number(env.BENCH_WARMUP_S ?? 2);
const POOL_SIZE = env.BENCH_DB_POOL_SIZE ?? '10'; // the app's default DB_POOL_SIZE
const KEEP_DB = env.BENCH_KEEP_DB === 'true';
const PAGE = 50;
const EXTRA_MEMBERS = 20;
/** Cards per column, as shares of BENCH_CARDS: a long backlog, smaller flow columns. */
const COLUMNS = [
  { name: 'Backlog', share: 0.5 },
  { name: 'To do', share: 0.2 },
  { name: 'Doing', share: 0.15 },
  { name: 'Review', share: 0.05 },
  { name: 'Done', share: 0.1, done: true },
];

const log = (msg) => process.stdout.write(`[bench] ${msg}\n`);
const started = Date.now();

/** CPU time (ms) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, 100 Hz ticks
  } catch {
    return null;
  }
}

/** CPU of the app, of the bench database's PostgreSQL backends, and of this load generator. */
async function cpuSnapshot(app, db, dbName) {
  const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName]);
  const pg = rows.map((r) => cpuMs(r.pid)).filter((v) => v !== null);
  const self = process.cpuUsage();
  return {
    app: cpuMs(app.pid),
    pgByPid: new Map(rows.map((r) => [r.pid, cpuMs(r.pid)])),
    pg: pg.reduce((a, b) => a + b, 0),
    loadgen: (self.user + self.system) / 1000,
  };
}

function cpuPerRequest(before, after, requests) {
  if (before.app === null || after.app === null || requests === 0) return null;
  let pg = 0;
  for (const [pid, ms] of after.pgByPid) pg += (ms ?? 0) - (before.pgByPid.get(pid) ?? 0);
  return {
    app: (after.app - before.app) / requests,
    pg: pg / requests,
    loadgen: (after.loadgen - before.loadgen) / requests,
  };
}

/** The JWT secret both servers share (the baseline verifies workdeck's tokens and cursors). */
const JWT_SECRET = randomBytes(32).toString('hex');
const CONNECTOR_SECRET_KEY = randomBytes(32).toString('base64');

const SERVERS = {
  workdeck: { entry: 'dist/src/main.js', applicationName: 'workdeck' },
  baseline: { entry: 'scripts/bench-baseline-server.mjs', applicationName: 'workdeck-baseline' },
};

/**
 * Starts workdeck (or the raw baseline) on a free 127.0.0.1 port and waits for /health/ready.
 * `captureFile`: preload scripts/bench-capture.mjs, which records every statement sent.
 */
async function startServer(kind, dbUrl, { captureFile } = {}) {
  const nodeArgs = captureFile
    ? ['--import', pathToFileURL(join(root, 'scripts/bench-capture.mjs')).href]
    : PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, kind)}`]
      : [];
  const app = await startApp({
    label: kind,
    entry: SERVERS[kind].entry,
    nodeArgs,
    env: {
      PATH: env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      DB_POOL_SIZE: POOL_SIZE,
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET,
      CONNECTOR_SECRET_KEY,
      RATE_LIMIT_PER_MINUTE: '1000000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      PRE_AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      // The request path alone (BACKGROUND_JOBS=false: no outbox consumers, scheduler) or not.
      ...(backgroundJobs(captureFile) === undefined
        ? {}
        : { BACKGROUND_JOBS: backgroundJobs(captureFile) }),
      ...(captureFile ? { BENCH_CAPTURE_FILE: captureFile } : {}),
      // BENCH_NODE_OPTIONS: V8/Node flags for workdeck only (e.g. heap sizing experiments).
      ...(kind === 'workdeck' && env.BENCH_NODE_OPTIONS
        ? { NODE_OPTIONS: env.BENCH_NODE_OPTIONS }
        : {}),
    },
  });
  return { kind, captureFile, ...app };
}

/**
 * BACKGROUND_JOBS for a started server. The statement check always runs without background work
 * (an outbox consumer's statements after a write would interleave with the request's). The timed
 * rounds of --baseline run without it too unless BENCH_BACKGROUND_JOBS=true: with consumers on,
 * workdeck's CPU per request includes product work (the webhook fan-out, the dashboard and
 * reminder projections after every write) that the baseline does not do. `npm run bench` alone
 * runs the app as configured (BENCH_BACKGROUND_JOBS overrides).
 */
function backgroundJobs(captureFile) {
  if (captureFile) return 'false';
  if (BASELINE) return env.BENCH_BACKGROUND_JOBS ?? 'false';
  return env.BENCH_BACKGROUND_JOBS;
}

/** Members, a board, its columns, labels and the cards, all by SQL in one transaction. */
async function seed(db, workspaceId, ownerId) {
  await db.query('BEGIN');
  const { rows: members } = await db.query(
    `WITH u AS (
       INSERT INTO users (id, email, name, password_hash)
       SELECT gen_random_uuid(), 'bench-' || i || '@example.com', 'Bench ' || i, 'x'
         FROM generate_series(1, $1) AS i RETURNING id)
     INSERT INTO memberships (id, workspace_id, user_id, role)
     SELECT gen_random_uuid(), $2, u.id, 'member' FROM u RETURNING user_id`,
    [EXTRA_MEMBERS, workspaceId],
  );
  const {
    rows: [board],
  } = await db.query(
    `INSERT INTO boards (id, workspace_id, name, created_by) VALUES (gen_random_uuid(), $1, 'Bench board', $2) RETURNING id`,
    [workspaceId, ownerId],
  );
  const columnKeys = generateNKeysBetween(null, null, COLUMNS.length);
  const columns = [];
  for (const [i, c] of COLUMNS.entries()) {
    const {
      rows: [col],
    } = await db.query(
      `INSERT INTO board_columns (id, workspace_id, board_id, name, position, is_done)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING id`,
      [workspaceId, board.id, c.name, columnKeys[i], Boolean(c.done)],
    );
    columns.push({ ...c, id: col.id, count: Math.round(CARDS * c.share) });
  }
  const { rows: labels } = await db.query(
    `INSERT INTO board_labels (id, workspace_id, board_id, name, color)
     SELECT gen_random_uuid(), $1, $2, 'label ' || i, '#' || lpad(to_hex(i * 1000003 % 16777216), 6, '0')
       FROM generate_series(1, 10) AS i RETURNING id`,
    [workspaceId, board.id],
  );
  for (const col of columns) {
    // Valid fractional keys, in order, made by the same library the app uses.
    const keys = generateNKeysBetween(null, null, col.count);
    await db.query(
      `INSERT INTO cards (id, workspace_id, board_id, column_id, position, title, description,
                          due_at, checklist, column_entered_at, done_first_at, done_last_at, created_by)
       SELECT gen_random_uuid(), $1, $2, $3, k.key,
              'Card ' || k.i || ' of ' || $5::text,
              CASE WHEN k.i % 3 = 0 THEN 'Some **markdown** for card ' || k.i ELSE '' END,
              CASE WHEN k.i % 4 = 0 THEN now() + (k.i % 60) * interval '1 day' END,
              CASE WHEN k.i % 5 = 0 THEN '[{"text":"check","done":true},{"text":"ship","done":false}]'::jsonb
                   ELSE '[]'::jsonb END,
              now() - (k.i % 30) * interval '1 day',
              CASE WHEN $6 THEN now() - (k.i % 30) * interval '1 day' END,
              CASE WHEN $6 THEN now() - (k.i % 30) * interval '1 day' END,
              $4
         FROM unnest($7::text[]) WITH ORDINALITY AS k(key, i)`,
      [workspaceId, board.id, col.id, ownerId, col.name, Boolean(col.done), keys],
    );
  }
  await db.query(
    `INSERT INTO card_labels (workspace_id, board_id, card_id, label_id)
     SELECT c.workspace_id, c.board_id, c.id, ($3::uuid[])[1 + abs(hashtext(c.id::text)) % 10]
       FROM cards c WHERE c.workspace_id = $1 AND c.board_id = $2 AND abs(hashtext(c.id::text)) % 10 < 3`,
    [workspaceId, board.id, labels.map((l) => l.id)],
  );
  await db.query(
    `INSERT INTO card_assignees (workspace_id, board_id, card_id, user_id)
     SELECT c.workspace_id, c.board_id, c.id, ($3::uuid[])[1 + abs(hashtext(c.id::text || 'a')) % $4]
       FROM cards c WHERE c.workspace_id = $1 AND c.board_id = $2 AND abs(hashtext(c.id::text || 'a')) % 10 < 3`,
    [workspaceId, board.id, members.map((m) => m.user_id), members.length],
  );
  await db.query('COMMIT');
  await db.query('ANALYZE');
  return { boardId: board.id, columns };
}

/** Cursors at many depths of the list: the first page and pages deep inside every column. */
async function listCursors(app, token, boardId, columns) {
  const cursors = [null];
  for (const col of columns) {
    let cursor = null;
    for (let i = 0; i < 4; i++) {
      const qs = `columnId=${col.id}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api(app, 'GET', `/v1/boards/${boardId}/cards?${qs}`, null, token);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
      cursors.push(cursor);
    }
  }
  return cursors;
}

function run(app, name, requests, { warmup = false } = {}) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: app.url,
        connections: CONNECTIONS,
        duration: warmup ? WARMUP_S : DURATION_S,
        requests,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('error', reject);
  });
}

const pick = (list) => list[Math.floor(Math.random() * list.length)];

function scenarios(token, boardId, fixtures) {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let moveSeq = 0;
  let createSeq = 0;
  const runId = randomUUID();
  return [
    {
      name: 'list cards (page of 50, 100k board)',
      targetP99: 50,
      requests: [
        {
          method: 'GET',
          headers: auth,
          setupRequest: (req) => {
            const cursor = pick(fixtures.cursors);
            req.path = `/v1/boards/${boardId}/cards?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
            return req;
          },
        },
      ],
    },
    {
      name: 'get one card',
      requests: [
        {
          method: 'GET',
          headers: auth,
          setupRequest: (req) => {
            req.path = `/v1/cards/${pick(fixtures.cardIds)}`;
            return req;
          },
        },
      ],
    },
    {
      name: 'create card (Idempotency-Key)',
      targetP99: 100,
      requests: [
        {
          method: 'POST',
          path: `/v1/boards/${boardId}/cards`,
          setupRequest: (req) => {
            const n = createSeq++;
            req.headers = { ...auth, 'idempotency-key': `${runId}-${n}` };
            req.body = JSON.stringify({
              title: `Bench card ${n}`,
              columnId: fixtures.createColumn,
            });
            return req;
          },
        },
      ],
    },
    {
      name: 'move card (between two columns)',
      targetP99: 100,
      requests: [
        {
          method: 'POST',
          headers: auth,
          setupRequest: (req) => {
            // Each card of the pool in turn goes to the other column (no WIP limits there).
            const n = moveSeq++;
            const card = fixtures.movePool[n % fixtures.movePool.length];
            card.column =
              card.column === fixtures.moveColumns[0]
                ? fixtures.moveColumns[1]
                : fixtures.moveColumns[0];
            req.path = `/v1/cards/${card.id}/move`;
            req.body = JSON.stringify({ columnId: card.column });
            return req;
          },
        },
      ],
    },
    {
      // A route of the dashboard issue, in the same table: the answer is kept between writes
      // (see the README's Dashboard), so each request is the tenancy-and-validator statement
      // and the cached body. No baseline: its cache would be a second implementation of the
      // product's, not a yardstick of the framework (`npm run bench:dashboard` measures it).
      name: 'dashboard (warm, no baseline)',
      baseline: false,
      requests: [
        {
          method: 'GET',
          headers: auth,
          path: `/v1/workspaces/${fixtures.workspaceId}/dashboard`,
        },
      ],
    },
  ];
}

/** Errors, timeouts and non-2xx answers: a run with any is not a measurement of the route. */
const failures = (r) => r.result.errors + r.result.timeouts + r.result.non2xx;

function table(rows) {
  const head = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'requests',
    'p99 target',
    'CPU ms/req app | pg | loadgen',
  ];
  const verdict = (r) =>
    r.target === undefined
      ? '-'
      : `< ${r.target} ${r.result.latency.p99 < r.target && failures(r) === 0 ? 'met' : 'MISSED'}`;
  const cpu = (c) =>
    c ? `${c.app.toFixed(2)} | ${c.pg.toFixed(2)} | ${c.loadgen.toFixed(2)}` : 'n/a';
  const data = rows.map((r) => [
    r.name,
    r.result.requests.average.toFixed(0),
    String(r.result.latency.p50),
    String(r.result.latency.p99),
    String(r.result.errors + r.result.timeouts),
    String(r.result.non2xx),
    String(r.result.requests.total),
    verdict(r),
    cpu(r.cpu),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...data.map(line),
  ].join('\n');
}

/** Creates the bench database, migrates it and runs `work(dbUrl, dbName)`; drops it after. */
async function withBenchDatabase(work) {
  await requirePostgres(BASE_URL);
  const dbName = `workdeck_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dbUrl = databaseUrl(BASE_URL, dbName);
  await withClient(BASE_URL, (c) => c.query(`CREATE DATABASE ${dbName}`));
  log(`database ${dbName}`);
  try {
    execFileSync(process.execPath, [join(root, 'scripts/migrations.mjs'), 'run'], {
      cwd: root,
      env: { ...env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    log('migrations applied');
    await work(dbUrl.toString(), dbName);
  } finally {
    if (KEEP_DB) {
      log(`kept database ${dbUrl.toString()}`);
    } else {
      await withClient(BASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    }
  }
}

/** A user and workspace through the API (a real login token), then the board seeded by SQL. */
async function prepare(app, dbUrl) {
  const reg = await api(app, 'POST', '/v1/auth/register', {
    email: `bench-${randomBytes(4).toString('hex')}@example.com`,
    password: 'correct horse battery staple',
    name: 'Bench',
  });
  const token = reg.accessToken;
  const ws = await api(app, 'POST', '/v1/workspaces', { name: 'Bench' }, token);
  const seedStart = Date.now();
  const { boardId, columns, cardIds, movePool } = await withClient(dbUrl, async (db) => {
    const seeded = await seed(db, ws.id, reg.user.id);
    const { rows: sample } = await db.query(
      'SELECT id FROM cards WHERE board_id = $1 ORDER BY random() LIMIT 2000',
      [seeded.boardId],
    );
    // Cards that shuttle between "To do" and "Doing" (neither has a WIP limit).
    const { rows: pool } = await db.query(
      `SELECT id, column_id FROM cards WHERE board_id = $1 AND column_id = ANY($2::uuid[])
        ORDER BY random() LIMIT 4000`,
      [seeded.boardId, [seeded.columns[1].id, seeded.columns[2].id]],
    );
    return {
      ...seeded,
      cardIds: sample.map((r) => r.id),
      movePool: pool.map((r) => ({ id: r.id, column: r.column_id })),
    };
  });
  log(`seeded ${CARDS} cards in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
  const fixtures = {
    cursors: await listCursors(app, token, boardId, columns),
    cardIds,
    movePool,
    moveColumns: [columns[1].id, columns[2].id],
    createColumn: columns[0].id,
    workspaceId: ws.id,
  };
  return { token, boardId, fixtures };
}

/** `npm run bench`: workdeck alone, one run per scenario. */
async function benchAlone() {
  await withBenchDatabase(async (dbUrl, dbName) => {
    log('starting the app');
    const app = await startServer('workdeck', dbUrl);
    try {
      const { token, boardId, fixtures } = await prepare(app, dbUrl);
      const results = [];
      const monitor = new pg.Client({ connectionString: BASE_URL });
      await monitor.connect();
      log(
        `load average before the runs: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      for (const s of scenarios(token, boardId, fixtures)) {
        if (WARMUP_S > 0) await run(app, s.name, s.requests, { warmup: true });
        log(`${s.name}: ${CONNECTIONS} connections, ${DURATION_S} s`);
        const before = await cpuSnapshot(app, monitor, dbName);
        const result = await run(app, s.name, s.requests);
        const after = await cpuSnapshot(app, monitor, dbName);
        results.push({
          name: s.name,
          result,
          target: s.targetP99,
          cpu: cpuPerRequest(before, after, result.requests.total),
        });
      }
      await monitor.end();
      process.stdout.write(`\n${table(results)}\n\n`);
      const appErrors = app
        .output()
        .split('\n')
        .filter((l) => l.includes('"level":50'));
      if (appErrors.length > 0)
        process.stdout.write(`app logged ${appErrors.length} error(s), e.g. ${appErrors[0]}\n`);
      const failed = results.filter((r) => failures(r) > 0).map((r) => r.name);
      if (failed.length > 0) {
        process.stdout.write(
          `errors or non-2xx answers in: ${failed.join(', ')} (not a measurement)\n`,
        );
        process.exitCode = 1;
      }
    } finally {
      await app.stop();
    }
  });
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------------------------------------
// --baseline: workdeck against a raw Fastify + pg server sending the same statements.

/** Statements recorded since `from` (a byte offset) in a server's capture file. */
function capturedSince(server, from) {
  const text = readFileSync(server.captureFile, 'utf8').slice(from);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .map((s) => ({ text: s.text.replace(/\s+/g, ' ').trim(), named: s.named }));
}

const captureOffset = (server) => readFileSync(server.captureFile, 'utf8').length;

/** One request, with the statements the server sent for it and its status, headers and body. */
async function probe(server, req) {
  const from = captureOffset(server);
  const res = await fetch(`${server.url}${req.path}`, {
    method: req.method,
    headers: req.headers,
    body: req.body,
  });
  const body = await res.text();
  // Background jobs could interleave: the servers of the check run with BACKGROUND_JOBS=false.
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body,
    statements: capturedSince(server, from),
  };
}

/** Headers whose values differ per response by nature. */
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
/** Rate limiting is off in the bench (limits of 10^9) and not part of the baseline. */
const RATE_LIMIT_HEADERS = new Set(['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']);

function compareHeaders(a, b, { ignore = [] } = {}) {
  const diffs = [];
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) {
    if (VOLATILE_HEADERS.has(name) || RATE_LIMIT_HEADERS.has(name) || ignore.includes(name))
      continue;
    if (a[name] !== b[name])
      diffs.push(`${name}: workdeck ${a[name] ?? '(none)'} | baseline ${b[name] ?? '(none)'}`);
  }
  return diffs;
}

function compareStatements(w, b) {
  const diffs = [];
  const n = Math.max(w.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = w[i];
    const y = b[i];
    if (!x || !y || x.text !== y.text || x.named !== y.named) {
      diffs.push(
        `#${i + 1}\n    workdeck: ${x ? `${x.named ? '[named] ' : ''}${x.text}` : '(none)'}\n    baseline: ${y ? `${y.named ? '[named] ' : ''}${y.text}` : '(none)'}`,
      );
    }
  }
  return diffs;
}

function printStatements(label, statements) {
  process.stdout.write(`  ${label}: ${statements.length} statement(s)\n`);
  for (const [i, s] of statements.entries()) {
    process.stdout.write(`    ${i + 1}. ${s.named ? '[named] ' : ''}${s.text}\n`);
  }
}

/**
 * Proves the baseline does what workdeck does, before measuring: for each scenario the same
 * request (or, for writes, the same kind of request on the other server) sends the same
 * statements in the same order, and answers the same status, headers and body bytes. A write's
 * answer is compared with the other server's GET of the written card (the state both agree on).
 */
async function checkBaseline(wd, base, token, boardId, fixtures) {
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const problems = [];
  const report = (name, what, diffs) => {
    if (diffs.length > 0) problems.push(`${name}: ${what}\n  ${diffs.join('\n  ')}`);
  };
  const same = async (name, req, { statements = true } = {}) => {
    const w = await probe(wd, req);
    const b = await probe(base, req);
    if (DUMP_STATEMENTS) printStatements(`${name} (workdeck)`, w.statements);
    report(
      name,
      'status',
      w.status === b.status ? [] : [`workdeck ${w.status} | baseline ${b.status}`],
    );
    report(name, 'headers', compareHeaders(w.headers, b.headers));
    report(
      name,
      'body',
      w.body === b.body
        ? []
        : [`workdeck ${w.body.slice(0, 600)}\n  baseline ${b.body.slice(0, 600)}`],
    );
    if (statements) report(name, 'statements', compareStatements(w.statements, b.statements));
    return { w, b };
  };
  const getCard = (server, id) =>
    probe(server, { method: 'GET', path: `/v1/cards/${id}`, headers: auth });
  /** A write's answer must be what the other server then reads (same bytes, same ETag). */
  const crossCheck = async (name, writer, written) => {
    if (written.status >= 300) {
      problems.push(
        `${name}: ${writer.kind} answered ${written.status} ${written.body.slice(0, 300)}`,
      );
      return;
    }
    const other = writer === wd ? base : wd;
    const read = await getCard(other, JSON.parse(written.body).id);
    report(`${name} (${writer.kind})`, `answer vs ${other.kind}'s GET`, [
      ...(read.body === written.body
        ? []
        : [`${writer.kind} ${written.body}\n  ${other.kind} GET ${read.body}`]),
      ...compareHeaders(written.headers, read.headers, { ignore: ['content-length'] }).filter((d) =>
        d.startsWith('etag'),
      ),
    ]);
  };

  await same('list (first page)', {
    method: 'GET',
    path: `/v1/boards/${boardId}/cards?limit=${PAGE}`,
    headers: auth,
  });
  const deep = fixtures.cursors[fixtures.cursors.length - 1];
  if (deep) {
    await same('list (deep cursor)', {
      method: 'GET',
      path: `/v1/boards/${boardId}/cards?limit=${PAGE}&cursor=${encodeURIComponent(deep)}`,
      headers: auth,
    });
  }
  await same('get', { method: 'GET', path: `/v1/cards/${fixtures.cardIds[0]}`, headers: auth });

  const runId = randomUUID();
  const createBody = JSON.stringify({ title: 'Bench check card', columnId: fixtures.createColumn });
  const create = (server, key) =>
    probe(server, {
      method: 'POST',
      path: `/v1/boards/${boardId}/cards`,
      headers: { ...json, 'idempotency-key': key },
      body: createBody,
    });
  const cw = await create(wd, `${runId}-w`);
  const cb = await create(base, `${runId}-b`);
  if (DUMP_STATEMENTS) printStatements('create (workdeck)', cw.statements);
  report(
    'create',
    'status',
    cw.status === cb.status ? [] : [`workdeck ${cw.status} | baseline ${cb.status}`],
  );
  report(
    'create',
    'headers',
    compareHeaders(cw.headers, cb.headers, { ignore: ['etag', 'content-length'] }),
  );
  report('create', 'statements', compareStatements(cw.statements, cb.statements));
  await crossCheck('create', wd, cw);
  await crossCheck('create', base, cb);
  // The same key again: the stored answer, replayed (both servers store and replay alike).
  const rw = await create(wd, `${runId}-w`);
  const rb = await create(base, `${runId}-b`);
  report(
    'create replay',
    'status',
    rw.status === rb.status ? [] : [`workdeck ${rw.status} | baseline ${rb.status}`],
  );
  report(
    'create replay',
    'headers',
    compareHeaders(rw.headers, rb.headers, { ignore: ['etag', 'content-length'] }),
  );
  report('create replay', 'statements', compareStatements(rw.statements, rb.statements));
  // A replay answers the stored jsonb: same values, keys in jsonb's order.
  report('create replay', 'body', [
    ...(isDeepStrictEqual(JSON.parse(rw.body), JSON.parse(cw.body))
      ? []
      : ['workdeck replayed another body']),
    ...(isDeepStrictEqual(JSON.parse(rb.body), JSON.parse(cb.body))
      ? []
      : ['baseline replayed another body']),
  ]);

  const card = fixtures.movePool[0];
  const [c1, c2] = fixtures.moveColumns;
  const from = card.column;
  const to = from === c1 ? c2 : c1;
  const move = (server, columnId) =>
    probe(server, {
      method: 'POST',
      path: `/v1/cards/${card.id}/move`,
      headers: json,
      body: JSON.stringify({ columnId }),
    });
  const mw = await move(wd, to);
  const mb = await move(base, from);
  if (DUMP_STATEMENTS) printStatements('move (workdeck)', mw.statements);
  report(
    'move',
    'status',
    mw.status === mb.status ? [] : [`workdeck ${mw.status} | baseline ${mb.status}`],
  );
  report(
    'move',
    'headers',
    compareHeaders(mw.headers, mb.headers, { ignore: ['etag', 'content-length'] }),
  );
  report('move', 'statements', compareStatements(mw.statements, mb.statements));
  await crossCheck('move', base, mb);
  // Move it once more on workdeck, then read it on the baseline (the state is back to `from`).
  const mw2 = await move(wd, to);
  await crossCheck('move', wd, mw2);
  await move(base, from);
  return problems;
}

/** Resident set size (bytes) of a process now, from /proc. */
function rssBytes(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU (ms) of the PostgreSQL backends serving one server (by application_name). */
async function pgCpu(monitor, dbName, applicationName) {
  const { rows } = await monitor.query(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
    [dbName, applicationName],
  );
  return new Map(rows.map((r) => [r.pid, cpuMs(r.pid) ?? 0]));
}

/** One measured run of a scenario against a server: throughput, latency, CPU and peak RSS. */
async function measure(server, scenario, monitor, dbName) {
  const appName = SERVERS[server.kind].applicationName;
  const cpuBefore = cpuMs(server.pid);
  const pgBefore = await pgCpu(monitor, dbName, appName);
  let peakRss = rssBytes(server.pid) ?? 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssBytes(server.pid) ?? 0);
  }, 100);
  let result;
  try {
    result = await run(server, scenario.name, scenario.requests);
  } finally {
    clearInterval(sampler);
  }
  const cpuAfter = cpuMs(server.pid);
  const pgAfter = await pgCpu(monitor, dbName, appName);
  let pgMs = 0;
  for (const [pid, ms] of pgAfter) pgMs += ms - (pgBefore.get(pid) ?? 0);
  const n = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuMs: cpuBefore === null || n === 0 ? null : (cpuAfter - cpuBefore) / n,
    pgMs: n === 0 ? null : pgMs / n,
    rssMb: peakRss / 1024 / 1024,
  };
}

const median = (values) => {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};

/** The targets of the performance issue: throughput ratio per scenario, p99 within 1.2x, RSS. */
const RATIO_TARGETS = { list: 0.85, get: 0.85, create: 0.9, move: 0.9 };
const P99_FACTOR = 1.2;
const RSS_LIMIT_MB = 250;

function baselineTable(rows) {
  const f = (v, digits = 0) => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));
  const head = [
    'scenario',
    'req/s wd | base',
    'ratio (target)',
    'p50 ms wd | base',
    'p99 ms wd | base',
    'p99 ratio',
    'CPU ms/req wd | base',
    'pg ms/req wd | base',
    'peak RSS MB wd | base',
    'errors wd | base',
  ];
  const data = rows.map(({ key, name, wd, base }) => {
    if (!base) {
      // A scenario without a baseline (a product route with nothing to compare): its figures.
      return [
        name,
        `${f(wd.rps)} | -`,
        'n/a',
        `${f(wd.p50, 1)} | -`,
        `${f(wd.p99, 1)} | -`,
        'n/a',
        `${f(wd.cpuMs, 2)} | -`,
        `${f(wd.pgMs, 2)} | -`,
        `${f(wd.rssMb)} | - ${wd.rssMb < RSS_LIMIT_MB ? '' : 'MISSED'}`.trim(),
        `${wd.errors} | -`,
      ];
    }
    const ratio = wd.rps / base.rps;
    const p99Ratio = wd.p99 / base.p99;
    const target = RATIO_TARGETS[key];
    return [
      name,
      `${f(wd.rps)} | ${f(base.rps)}`,
      `${ratio.toFixed(2)} (${target}) ${ratio >= target ? 'met' : 'MISSED'}`,
      `${f(wd.p50, 1)} | ${f(base.p50, 1)}`,
      `${f(wd.p99, 1)} | ${f(base.p99, 1)}`,
      `${p99Ratio.toFixed(2)} ${p99Ratio <= P99_FACTOR ? 'met' : 'MISSED'}`,
      `${f(wd.cpuMs, 2)} | ${f(base.cpuMs, 2)}`,
      `${f(wd.pgMs, 2)} | ${f(base.pgMs, 2)}`,
      `${f(wd.rssMb)} | ${f(base.rssMb)} ${wd.rssMb < RSS_LIMIT_MB ? '' : 'MISSED'}`.trim(),
      `${wd.errors} | ${base.errors}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...data.map(line),
  ].join('\n');
}

const SCENARIO_KEYS = ['list', 'get', 'create', 'move', 'dashboard'];

/** `npm run bench -- --baseline`: check the baseline, then interleaved rounds A, B, A, B... */
async function benchAgainstBaseline() {
  await withBenchDatabase(async (dbUrl, dbName) => {
    const captureDir = mkdtempSync(join(tmpdir(), 'workdeck-bench-'));
    let wd;
    let base;
    try {
      log('starting workdeck and the baseline, statement capture on');
      for (const kind of Object.keys(SERVERS)) writeFileSync(join(captureDir, `${kind}.jsonl`), '');
      wd = await startServer('workdeck', dbUrl, {
        captureFile: join(captureDir, 'workdeck.jsonl'),
      });
      base = await startServer('baseline', dbUrl, {
        captureFile: join(captureDir, 'baseline.jsonl'),
      });
      const { token, boardId, fixtures } = await prepare(wd, dbUrl);
      const problems = await checkBaseline(wd, base, token, boardId, fixtures);
      if (problems.length > 0) {
        process.stdout.write(`\nthe baseline does not match workdeck:\n${problems.join('\n')}\n`);
        process.exitCode = 1;
        return;
      }
      log('check passed: same statements, status, headers and bodies for every scenario');
      await Promise.all([wd.stop(), base.stop()]);
      wd = undefined;
      base = undefined;

      log('restarting both without capture');
      wd = await startServer('workdeck', dbUrl);
      base = await startServer('baseline', dbUrl);
      const monitor = new pg.Client({ connectionString: BASE_URL });
      await monitor.connect();
      const all = scenarios(token, boardId, fixtures).map((s, i) => ({
        ...s,
        key: SCENARIO_KEYS[i],
      }));
      const chosen = all.filter((s) => !ONLY || ONLY.includes(s.key));
      const runs = new Map(chosen.map((s) => [s.key, { workdeck: [], baseline: [] }]));
      log(
        `load average before the runs: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      const serversOf = (s) => (s.baseline === false ? [wd] : [wd, base]);
      if (WARMUP_S > 0) {
        for (const s of chosen) {
          for (const server of serversOf(s)) {
            await run(server, s.name, s.requests, { warmup: true });
          }
        }
      }
      for (let round = 1; round <= ROUNDS; round++) {
        for (const s of chosen) {
          for (const server of serversOf(s)) {
            const m = await measure(server, s, monitor, dbName);
            runs.get(s.key)[server.kind].push(m);
            log(
              `round ${round}/${ROUNDS} ${s.key} ${server.kind}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99} ms, ` +
                `${m.cpuMs?.toFixed(2)} CPU ms/req, ${m.rssMb.toFixed(0)} MB, ${m.errors} errors`,
            );
          }
        }
      }
      await monitor.end();
      const summary = (list) =>
        list.length === 0
          ? null
          : {
              rps: median(list.map((m) => m.rps)),
              p50: median(list.map((m) => m.p50)),
              p99: median(list.map((m) => m.p99)),
              cpuMs: median(list.map((m) => m.cpuMs)),
              pgMs: median(list.map((m) => m.pgMs)),
              rssMb: median(list.map((m) => m.rssMb)),
              errors: list.reduce((a, m) => a + m.errors, 0),
            };
      const rows = chosen.map((s) => ({
        key: s.key,
        name: s.name,
        wd: summary(runs.get(s.key).workdeck),
        base: summary(runs.get(s.key).baseline),
      }));
      process.stdout.write(
        `\nmedians of ${ROUNDS} interleaved round(s), ${DURATION_S} s each, ${CONNECTIONS} connections, ` +
          `${CARDS} cards (peak RSS: highest sample during a run)\n${baselineTable(rows)}\n\n`,
      );
      const hwm = (pid) => {
        try {
          const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
          return match ? `${(Number(match[1]) / 1024).toFixed(0)} MB` : 'n/a';
        } catch {
          return 'n/a';
        }
      };
      process.stdout.write(
        `highest RSS since start (VmHWM): workdeck ${hwm(wd.pid)}, baseline ${hwm(base.pid)}\n`,
      );
      for (const server of [wd, base]) {
        const errors = server
          .output()
          .split('\n')
          .filter((l) => l.includes('"level":50'));
        if (errors.length > 0)
          process.stdout.write(
            `${server.kind} logged ${errors.length} error(s), e.g. ${errors[0]}\n`,
          );
      }
    } finally {
      await Promise.all([wd?.stop(), base?.stop()]);
      rmSync(captureDir, { recursive: true, force: true });
    }
  });
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

await (BASELINE ? benchAgainstBaseline() : benchAlone());

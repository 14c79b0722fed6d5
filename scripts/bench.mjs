#!/usr/bin/env node
// npm run bench: the board module under load, on a real PostgreSQL (DESIGN §6).
//
//   1. creates a fresh database on DATABASE_URL's server (default postgres://root@127.0.0.1:5432/postgres)
//      and applies the migrations (scripts/migrations.mjs run, which also builds dist/);
//   2. starts the built app (node dist/src/main.js) on a free port, LOG_LEVEL=warn, rate limits off;
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
// Knobs: BENCH_CARDS, BENCH_CONNECTIONS, BENCH_DURATION_S, BENCH_WARMUP_S, BENCH_DB_POOL_SIZE.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generateNKeysBetween } from 'fractional-indexing';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const BASE_URL = env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const CARDS = Number(env.BENCH_CARDS ?? 100_000);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 10);
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

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

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
      DB_POOL_SIZE: POOL_SIZE,
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('hex'),
      CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      RATE_LIMIT_PER_MINUTE: '1000000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
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
          pid: child.pid,
          output: () => output,
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
  return json;
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
  const { rows: [board] } = await db.query(
    `INSERT INTO boards (id, workspace_id, name, created_by) VALUES (gen_random_uuid(), $1, 'Bench board', $2) RETURNING id`,
    [workspaceId, ownerId],
  );
  const columnKeys = generateNKeysBetween(null, null, COLUMNS.length);
  const columns = [];
  for (const [i, c] of COLUMNS.entries()) {
    const { rows: [col] } = await db.query(
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
            req.body = JSON.stringify({ title: `Bench card ${n}`, columnId: fixtures.createColumn });
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
            card.column = card.column === fixtures.moveColumns[0] ? fixtures.moveColumns[1] : fixtures.moveColumns[0];
            req.path = `/v1/cards/${card.id}/move`;
            req.body = JSON.stringify({ columnId: card.column });
            return req;
          },
        },
      ],
    },
  ];
}

function table(rows) {
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'requests', 'p99 target', 'CPU ms/req app | pg | loadgen'];
  const verdict = (r) =>
    r.target === undefined
      ? '-'
      : `< ${r.target} ${r.result.latency.p99 < r.target && r.result.errors + r.result.timeouts === 0 ? 'met' : 'MISSED'}`;
  const cpu = (c) => (c ? `${c.app.toFixed(2)} | ${c.pg.toFixed(2)} | ${c.loadgen.toFixed(2)}` : 'n/a');
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
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...data.map(line)].join('\n');
}

async function main() {
  try {
    await withClient(BASE_URL, (c) => c.query('SELECT 1'));
  } catch (err) {
    process.stderr.write(`bench needs a real PostgreSQL at DATABASE_URL (${BASE_URL}): ${err.message}\n`);
    process.exit(2);
  }
  const dbName = `workdeck_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dbUrl = new URL(BASE_URL);
  dbUrl.pathname = `/${dbName}`;
  await withClient(BASE_URL, (c) => c.query(`CREATE DATABASE ${dbName}`));
  log(`database ${dbName}`);
  let app;
  try {
    execFileSync(process.execPath, [join(root, 'scripts/migrations.mjs'), 'run'], {
      cwd: root,
      env: { ...env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    log('migrations applied; starting the app');
    app = await startApp(dbUrl.toString());
    const reg = await api(app, 'POST', '/v1/auth/register', {
      email: `bench-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
      name: 'Bench',
    });
    const token = reg.accessToken;
    const ws = await api(app, 'POST', '/v1/workspaces', { name: 'Bench' }, token);
    const seedStart = Date.now();
    const { boardId, columns, cardIds, movePool } = await withClient(dbUrl.toString(), async (db) => {
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
    };
    const results = [];
    const monitor = new pg.Client({ connectionString: BASE_URL });
    await monitor.connect();
    log(`load average before the runs: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
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
    const appErrors = app.output().split('\n').filter((l) => l.includes('"level":50'));
    if (appErrors.length > 0) process.stdout.write(`app logged ${appErrors.length} error(s), e.g. ${appErrors[0]}\n`);
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await app?.stop();
    if (KEEP_DB) {
      log(`kept database ${dbUrl.toString()}`);
    } else {
      await withClient(BASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    }
  }
}

await main();

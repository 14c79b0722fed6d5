#!/usr/bin/env node
// npm run bench:reminders: the reminder scheduler under load, on a real PostgreSQL (DESIGN §6).
//
// For each scenario: a fresh database on DATABASE_URL's server (default
// postgres://root@127.0.0.1:5432/postgres) with the migrations applied, then THREE app instances
// (node dist/src/main.js, separate processes) on that one database, each running its scheduler.
//   burst-100ws   BENCH_REMINDERS (100k) one-off reminders due at the same instant, over 100
//                 workspaces: time from the due instant until every one has fired.
//   burst-1ws     the same, all in one workspace (one audit chain).
//   burst-kill    as burst-100ws, and one instance is SIGKILLed while the burst is being fired.
//   steady        a continuous load: BENCH_STEADY_RATE reminders per second come due for
//                 BENCH_STEADY_S seconds; firing lateness p50/p99.
// Every count is read FROM THE DATABASE: fired = occurrences with fired_at; duplicates = slots
// with more than one occurrence row + reminders with more than one `reminder.fired` event;
// misses = reminders with no fired occurrence. The script is bounded (BENCH_TIMEOUT_S per
// scenario), stops its apps and drops its databases (BENCH_KEEP_DB=true keeps them).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { APP_NODE_FLAGS, databaseUrl, freePort, root, withClient } from './support.mjs';

const env = process.env;
const BASE_URL = env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const REMINDERS = Number(env.BENCH_REMINDERS ?? 100_000);
const WORKSPACES = 100;
const INSTANCES = 3;
const LEAD_S = Number(env.BENCH_LEAD_S ?? 15); // seed, then the burst comes due this much later
const TIMEOUT_S = Number(env.BENCH_TIMEOUT_S ?? 240);
const STEADY_RATE = Number(env.BENCH_STEADY_RATE ?? 200);
const STEADY_S = Number(env.BENCH_STEADY_S ?? 30);
const KILL_AFTER_MS = Number(env.BENCH_KILL_AFTER_MS ?? 3000);
const POOL_SIZE = env.BENCH_DB_POOL_SIZE ?? '5';
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(',') : null;
const KEEP_DB = env.BENCH_KEEP_DB === 'true';
const POLL_MS = 250;
// Must match src/reminders/entities/reminder.entity.ts and reminder-schedule.ts.
const CLAIM_BUCKETS = 64;
const bucketOf = (id) => {
  let h = 0;
  for (let i = 0; i < id.length; i += 1) h = (Math.imul(h, 31) + id.charCodeAt(i)) >>> 0;
  return h % CLAIM_BUCKETS;
};

const log = (msg) => process.stdout.write(`[bench:reminders] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function createDatabase() {
  const name = `workdeck_bench_rem_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await withClient(BASE_URL, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = databaseUrl(BASE_URL, name);
  execFileSync(process.execPath, [join(root, 'scripts/migrations.mjs'), 'run'], {
    env: { ...env, DATABASE_URL: url.toString(), MIGRATIONS_SKIP_BUILD: 'true' },
    stdio: 'ignore',
  });
  return { name, url: url.toString() };
}

async function dropDatabase(name) {
  if (KEEP_DB) return log(`kept database ${name}`);
  await withClient(BASE_URL, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  );
}

async function startInstance(url) {
  const port = await freePort();
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, join(root, 'dist/src/main.js')], {
    env: {
      PATH: env.PATH,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      MIGRATIONS_RUN: 'false',
      DB_POOL_SIZE: POOL_SIZE,
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Errors of the instances are shown; Node's warnings are not.
  child.stderr.on('data', (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim() && !/Warning|--trace-warnings/.test(line))
        process.stderr.write(`[instance] ${line}\n`);
    }
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`instance exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error('instance did not become ready');
}

async function stopInstance(child) {
  if (child.exitCode !== null || child.signalCode) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
}

async function seedWorkspaces(db, count) {
  const { rows } = await db.query(
    `WITH u AS (INSERT INTO users (id, email, name, password_hash)
                VALUES (gen_random_uuid(), 'bench-' || gen_random_uuid() || '@example.com', 'Bench', 'x')
                RETURNING id)
     INSERT INTO workspaces (id, name, created_by)
     SELECT gen_random_uuid(), 'bench ' || g, u.id FROM u, generate_series(1, $1) g RETURNING id`,
    [count],
  );
  return rows.map((r) => r.id);
}

/** `count` one-off reminders over `workspaces`, each due at `dueAt` (or dueAt + its offset). */
async function seedReminders(db, workspaces, count, dueAt, spreadMs = 0) {
  const per = Math.ceil(count / workspaces.length);
  let left = count;
  for (const ws of workspaces) {
    const n = Math.min(per, left);
    left -= n;
    if (n <= 0) break;
    await db.query(
      `INSERT INTO reminders (id, workspace_id, bucket, title, kind, remind_at, time_zone, state,
                              next_fire_at, rule_next_at)
       SELECT gen_random_uuid(), $1, $2, 'bench', 'once', t, 'UTC', 'active', t, t
         FROM (SELECT $3::timestamptz + (g * $5::double precision / $4) * interval '1 millisecond' AS t
                 FROM generate_series(0, $4 - 1) g) s`,
      [ws, bucketOf(ws), dueAt, n, spreadMs],
    );
  }
}

async function dbNow(db) {
  return (await db.query('SELECT now() AS now')).rows[0].now;
}

async function fired(db) {
  return (
    await db.query(`SELECT count(*)::int AS n FROM reminder_occurrences WHERE fired_at IS NOT NULL`)
  ).rows[0].n;
}

async function integrity(db) {
  const { rows } = await db.query(
    `SELECT
       (SELECT count(*)::int FROM reminders) AS reminders,
       (SELECT count(*)::int FROM reminder_occurrences WHERE fired_at IS NOT NULL) AS fired,
       (SELECT count(*)::int FROM (SELECT 1 FROM reminder_occurrences GROUP BY reminder_id, scheduled_for
                                    HAVING count(*) > 1) d) AS duplicate_slots,
       (SELECT count(*)::int FROM (SELECT 1 FROM audit_events WHERE action = 'reminder.fired'
                                    GROUP BY entity_id HAVING count(*) > 1) d) AS duplicate_events,
       (SELECT count(*)::int FROM audit_events WHERE action = 'reminder.fired') AS events,
       (SELECT count(*)::int FROM reminders r WHERE NOT EXISTS
          (SELECT 1 FROM reminder_occurrences o
            WHERE o.workspace_id = r.workspace_id AND o.reminder_id = r.id AND o.fired_at IS NOT NULL)) AS misses`,
  );
  return rows[0];
}

async function lateness(db) {
  const { rows } = await db.query(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
       FROM (SELECT extract(epoch FROM fired_at - scheduled_for) * 1000 AS ms
               FROM reminder_occurrences WHERE fired_at IS NOT NULL) x`,
  );
  return rows[0];
}

async function waitAllFired(db, total, onProgress) {
  const deadline = Date.now() + TIMEOUT_S * 1000;
  for (;;) {
    const n = await fired(db);
    if (onProgress) await onProgress(n);
    if (n >= total) return true;
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
}

async function burst(label, { workspaces, kill }) {
  const { name, url } = await createDatabase();
  const db = new pg.Pool({ connectionString: url, max: 2 });
  const apps = [];
  try {
    apps.push(...(await Promise.all(Array.from({ length: INSTANCES }, () => startInstance(url)))));
    const ws = await seedWorkspaces(db, workspaces);
    const dueAt = new Date((await dbNow(db)).getTime() + LEAD_S * 1000);
    await seedReminders(db, ws, REMINDERS, dueAt);
    log(
      `${label}: seeded ${REMINDERS} reminders over ${workspaces} workspace(s), due ${dueAt.toISOString()}`,
    );
    const wait = dueAt.getTime() - (await dbNow(db)).getTime();
    if (wait < 0)
      log(`${label}: WARNING seeding ended ${-wait} ms after the due instant (raise BENCH_LEAD_S)`);
    await sleep(Math.max(0, wait));
    let killed = false;
    const ok = await waitAllFired(db, REMINDERS, async () => {
      if (kill && !killed && Date.now() - dueAt.getTime() > KILL_AFTER_MS) {
        apps[0].kill('SIGKILL');
        killed = true;
        log(`${label}: SIGKILLed instance 1 at +${Date.now() - dueAt.getTime()} ms`);
      }
    });
    const last = (await db.query(`SELECT max(fired_at) AS t FROM reminder_occurrences`)).rows[0].t;
    const seconds = last ? (last.getTime() - dueAt.getTime()) / 1000 : NaN;
    const counts = await integrity(db);
    const late = await lateness(db);
    return { label, complete: ok, seconds, ...counts, p50: late.p50, p99: late.p99 };
  } finally {
    await Promise.all(apps.map(stopInstance));
    await db.end();
    await dropDatabase(name);
  }
}

async function steady() {
  const label = 'steady';
  const { name, url } = await createDatabase();
  const db = new pg.Pool({ connectionString: url, max: 2 });
  const apps = [];
  try {
    apps.push(...(await Promise.all(Array.from({ length: INSTANCES }, () => startInstance(url)))));
    const ws = await seedWorkspaces(db, WORKSPACES);
    // Each second, STEADY_RATE reminders spread over that second come due 2 s later.
    const total = STEADY_RATE * STEADY_S;
    const start = (await dbNow(db)).getTime() + 2000;
    for (let s = 0; s < STEADY_S; s += 1) {
      const due = new Date(start + s * 1000);
      const slice = ws
        .slice((s * 7) % WORKSPACES)
        .concat(ws)
        .slice(0, 10);
      await seedReminders(db, slice, STEADY_RATE, due, 1000);
      const ahead = due.getTime() - 1000 - (await dbNow(db)).getTime();
      if (ahead > 0) await sleep(ahead);
    }
    const ok = await waitAllFired(db, total);
    const counts = await integrity(db);
    const late = await lateness(db);
    return {
      label: `steady ${STEADY_RATE}/s`,
      complete: ok,
      seconds: NaN,
      ...counts,
      p50: late.p50,
      p99: late.p99,
    };
  } finally {
    await Promise.all(apps.map(stopInstance));
    await db.end();
    await dropDatabase(name);
  }
}

execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
const scenarios = [
  ['burst-100ws', () => burst('burst-100ws', { workspaces: WORKSPACES, kill: false })],
  ['burst-1ws', () => burst('burst-1ws', { workspaces: 1, kill: false })],
  ['burst-kill', () => burst('burst-kill', { workspaces: WORKSPACES, kill: true })],
  ['steady', () => steady()],
];
const results = [];
for (const [key, run] of scenarios) {
  if (ONLY && !ONLY.includes(key)) continue;
  log(`running ${key}`);
  const r = await run();
  results.push(r);
  log(`${key}: ${JSON.stringify(r)}`);
}
const fmt = (v, d = 0) =>
  v === null || v === undefined || Number.isNaN(Number(v)) ? '-' : Number(v).toFixed(d);
const lines = [
  `| scenario | reminders | fired | all fired after (s) | lateness p50 (ms) | lateness p99 (ms) | duplicates | misses |`,
  `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ...results.map(
    (r) =>
      `| ${r.label}${r.complete ? '' : ' (TIMED OUT)'} | ${r.reminders} | ${r.fired} | ${fmt(r.seconds, 1)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.duplicate_slots + r.duplicate_events + Math.max(0, r.events - r.fired)} | ${r.misses} |`,
  ),
];
process.stdout.write(`\n${lines.join('\n')}\n`);
process.exit(
  results.every(
    (r) => r.complete && r.misses === 0 && r.duplicate_slots === 0 && r.duplicate_events === 0,
  )
    ? 0
    : 1,
);

#!/usr/bin/env node
// npm run bench:webhooks: outbound webhooks end to end on a real PostgreSQL (DESIGN §6).
//
//   1. creates a fresh database on DATABASE_URL's server and applies the migrations (builds dist/);
//   2. starts a receiver on 127.0.0.1 that verifies EVERY request with the standardwebhooks
//      package and records receipts by webhook-id; connector 9 answers 500 half of the time,
//      connector 10 never answers within WEBHOOK_TIMEOUT_MS (its deliveries time out);
//   3. starts two app instances (A, B) on the same database, creates 10 webhook connectors
//      subscribed to connector.updated, then commits BENCH_EVENTS / 10 events through A (changes
//      of inbound "trigger" connectors, one per load worker; each event is delivered to the 10
//      connectors: BENCH_EVENTS deliveries);
//   4. SIGKILLs instance B half way through and starts C in its place;
//   5. waits (bounded, BENCH_TIMEOUT_S) until every committed event reached the 8 healthy
//      connectors and the flaky one, then reports commit-to-receipt latency (first receipt
//      minus the moment the creating request returned, an upper bound of commit), successful
//      deliveries/s, duplicates seen by the receiver (by webhook-id), missing events, bad
//      signatures; stops everything and drops the database.
// Knobs: BENCH_EVENTS (10000), BENCH_CONCURRENCY (16), BENCH_TIMEOUT_S (180).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { api, databaseUrl, requirePostgres, root, startApp, withClient } from './support.mjs';

const env = process.env;
const BASE_URL = env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const CONNECTORS = 10;
const EVENTS = Number(env.BENCH_EVENTS ?? 10_000);
const NOTES = Math.ceil(EVENTS / CONNECTORS);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 16);
const TIMEOUT_S = Number(env.BENCH_TIMEOUT_S ?? 180);
const WEBHOOK_TIMEOUT_MS = 1000;
const FLAKY = 9;
const SLOW = 10;
const log = (msg) => process.stdout.write(`[bench:webhooks] ${msg}\n`);

async function startInstance(name, dbUrl, secrets) {
  const app = await startApp({
    label: name,
    env: {
      PATH: env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      DB_POOL_SIZE: '8',
      MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      ...secrets,
      RATE_LIMIT_PER_MINUTE: '1000000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      PRE_AUTH_RATE_LIMIT_PER_MINUTE: '1000000000',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
      // Seconds, so that the flaky connector's retries finish within the run.
      WEBHOOK_RETRY_SCHEDULE: '1,1,2,2,3,3,5',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      OUTBOX_POLL_INTERVAL_MS: '50',
    },
  });
  return { name, ...app };
}

/** The receiver: verifies every signature, records the first receipt and duplicates per connector. */
function startReceiver() {
  const verifiers = new Map(); // connector index -> Webhook
  const receipts = new Map(); // `${n}:${webhookId}` -> first receipt time
  const stats = { requests: 0, badSignatures: 0, duplicates: 0, successes: 0 };
  const server = createHttpServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      stats.requests += 1;
      const n = Number(req.url.split('/')[2]);
      const body = Buffer.concat(chunks).toString('utf8');
      if (n === SLOW)
        return void setTimeout(() => res.writeHead(200).end(), WEBHOOK_TIMEOUT_MS * 3);
      try {
        verifiers.get(n).verify(body, req.headers);
      } catch {
        stats.badSignatures += 1;
        return void res.writeHead(400).end();
      }
      if (n === FLAKY && Math.random() < 0.5) return void res.writeHead(500).end();
      const key = `${n}:${req.headers['webhook-id']}`;
      if (receipts.has(key)) stats.duplicates += 1;
      else
        receipts.set(key, {
          at: Date.now(),
          entityId: JSON.parse(body).data.changes.description?.to,
        });
      stats.successes += 1;
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        verifiers,
        receipts,
        stats,
        close: () => server.closeAllConnections() || server.close(),
      }),
    ),
  );
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  await requirePostgres(BASE_URL);
  const dbName = `workdeck_benchwh_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const dbUrl = databaseUrl(BASE_URL, dbName);
  await withClient(BASE_URL, (c) => c.query(`CREATE DATABASE ${dbName}`));
  log(`database ${dbName}`);
  const apps = [];
  const receiver = await startReceiver();
  let stopAt = Number.POSITIVE_INFINITY;
  try {
    execFileSync(process.execPath, [join(root, 'scripts/migrations.mjs'), 'run'], {
      cwd: root,
      env: { ...env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // Every instance of one deployment shares these.
    const secrets = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64'),
    };
    const a = await startInstance('A', dbUrl.toString(), secrets);
    let b = await startInstance('B', dbUrl.toString(), secrets);
    apps.push(a, b);
    const reg = await api(a, 'POST', '/v1/auth/register', {
      email: `bench-${randomBytes(4).toString('hex')}@example.com`,
      password: 'correct horse battery staple',
      name: 'Bench',
    });
    const token = reg.accessToken;
    const ws = await api(a, 'POST', '/v1/workspaces', { name: 'Bench' }, token);
    for (let n = 1; n <= CONNECTORS; n += 1) {
      const c = await api(
        a,
        'POST',
        `/v1/workspaces/${ws.id}/connectors`,
        {
          name: `bench ${n}`,
          kind: 'webhook',
          url: `http://127.0.0.1:${receiver.port}/c/${n}`,
          events: ['connector.updated'],
        },
        token,
      );
      receiver.verifiers.set(n, new Webhook(c.secret));
    }
    log(
      `${CONNECTORS} connectors; committing ${NOTES} events (${NOTES * CONNECTORS} deliveries), killing B half way`,
    );
    // The committed events: changes of inbound "trigger" connectors (they deliver nowhere), one
    // per load worker so that concurrent changes never conflict on one row's version.
    const triggers = [];
    for (let w = 0; w < CONCURRENCY; w += 1) {
      const t = await api(
        a,
        'POST',
        `/v1/workspaces/${ws.id}/connectors`,
        {
          name: `trigger ${w}`,
          kind: 'inbound',
          mapping: { target: 'note', expression: '{"title": t}' },
        },
        token,
      );
      triggers.push(t.id);
    }
    const committed = new Map(); // event marker -> time its request returned
    let next = 0;
    let killed = false;
    const started = Date.now();
    stopAt = started + TIMEOUT_S * 1000;
    async function worker(w) {
      while (next < NOTES && Date.now() < stopAt) {
        const i = next++;
        if (!killed && i >= NOTES / 2) {
          killed = true;
          await b.stop('SIGKILL');
          log(`instance B SIGKILLed after ${i} events; starting C`);
          b = await startInstance('C', dbUrl.toString(), secrets);
          apps.push(b);
        }
        const marker = `event ${i}`;
        await api(a, 'PATCH', `/v1/connectors/${triggers[w]}`, { description: marker }, token);
        committed.set(marker, Date.now());
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    log(
      `${committed.size} events committed in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for deliveries`,
    );
    const expected = (CONNECTORS - 1) * committed.size; // all but the timing-out connector
    while (Date.now() < stopAt) {
      const got = [...receiver.receipts.keys()].filter((k) => !k.startsWith(`${SLOW}:`)).length;
      if (got >= expected) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const elapsed = (Date.now() - started) / 1000;
    const latencies = [];
    const missing = {};
    for (let n = 1; n <= CONNECTORS; n += 1) {
      if (n === SLOW) continue;
      const seen = new Set();
      for (const [key, r] of receiver.receipts) {
        if (!key.startsWith(`${n}:`)) continue;
        seen.add(r.entityId);
        if (n !== FLAKY && committed.has(r.entityId))
          latencies.push(r.at - committed.get(r.entityId));
      }
      missing[n] = [...committed.keys()].filter((id) => !seen.has(id)).length;
    }
    latencies.sort((x, y) => x - y);
    const delivered = [...receiver.receipts.keys()].length;
    const rows = [
      [
        'events committed (notes x connectors)',
        `${committed.size} x ${CONNECTORS} = ${committed.size * CONNECTORS}`,
      ],
      ['commit-to-receipt p50 (healthy connectors)', `${percentile(latencies, 50)} ms`],
      ['commit-to-receipt p99 (healthy connectors)', `${percentile(latencies, 99)} ms`],
      ['successful deliveries/s (first receipts / run time)', (delivered / elapsed).toFixed(0)],
      ['receiver requests (incl. failures, timeouts)', String(receiver.stats.requests)],
      ['duplicates by webhook-id (at least once)', String(receiver.stats.duplicates)],
      ['bad signatures', String(receiver.stats.badSignatures)],
      [
        'missing events, healthy connectors 1-8',
        String(
          Object.entries(missing)
            .filter(([n]) => Number(n) !== FLAKY)
            .reduce((s, [, v]) => s + v, 0),
        ),
      ],
      ['missing events, 50 % failing connector 9', String(missing[FLAKY])],
      ['run time', `${elapsed.toFixed(1)} s (one instance SIGKILLed mid-run)`],
    ];
    process.stdout.write(
      '\n| metric | value |\n|---|---|\n' +
        rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n') +
        '\n\n',
    );
  } finally {
    for (const app of apps) await app.stop('SIGTERM').catch(() => undefined);
    receiver.close();
    await withClient(BASE_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});

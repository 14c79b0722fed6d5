#!/usr/bin/env node
// npm run bench:startup: what a newcomer meets on `npm start` with the embedded database.
//
// Starts the built app (dist/src/main.js with npm start's Node flags, no DATABASE_URL: PGlite)
// BENCH_STARTUP_RUNS times on a FRESH temporary DATA_DIR, then as many times on the data
// directory the first run left behind (an existing one), and prints per run: milliseconds from
// spawn to the first 200 of /health/ready, the resident memory (RSS) at that moment and its peak
// (VmHWM) so far, read from /proc. Each app is stopped with SIGTERM; the temporary directories
// are removed.
// It also prints the CPU seconds the app (and initdb's child process) used until ready: on a
// busy machine the wall time swings with the load, the work much less.
// Knobs: BENCH_STARTUP_RUNS (default 3), BENCH_STARTUP_SETTLE_MS (default 2000: RSS is also read
// that long after ready, once start-up garbage has had a chance to be collected),
// BENCH_STARTUP_FIRST=true (removes the initdb template, node_modules/.cache/workdeck, before
// each fresh run: the very first start after `npm install`; do not run it while another process
// of this checkout starts on PGlite).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_NODE_FLAGS, freePort, root } from './support.mjs';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const SETTLE_MS = Number(process.env.BENCH_STARTUP_SETTLE_MS ?? 2000);
const READY_TIMEOUT_MS = 120_000;
const POLL_MS = 50;
const MIB = 1024 * 1024;

/**
 * CPU seconds a process (and the children it waited for: initdb) has used: on a shared machine
 * the wall time to ready depends on the load, the work done much less.
 */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime is the 12th, then stime,
  // cutime, cstime, in clock ticks (100 per second on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

/** VmRSS and VmHWM of a process, in MiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: (kib('VmRSS') * 1024) / MIB, peak: (kib('VmHWM') * 1024) / MIB };
}

async function startOnce(dataDir) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...APP_NODE_FLAGS, join(root, 'dist/src/main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error('app not ready in time');
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const readyMs = performance.now() - started;
    const atReady = memory(child.pid);
    const cpu = cpuSeconds(child.pid);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settled = memory(child.pid);
    return { readyMs, cpu, rssAtReady: atReady.rss, rssSettled: settled.rss, peak: settled.peak };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const row = (kind, i, r) =>
  `| ${kind} #${i + 1} | ${Math.round(r.readyMs)} | ${r.cpu.toFixed(1)} | ${Math.round(r.rssAtReady)} | ${Math.round(r.rssSettled)} | ${Math.round(r.peak)} |`;

const lines = [
  '| data dir | start to ready ms | CPU s to ready | RSS at ready MiB | RSS settled MiB | peak RSS MiB |',
  '|---|---|---|---|---|---|',
];
const FIRST = process.env.BENCH_STARTUP_FIRST === 'true';
const templateCache = join(root, 'node_modules/.cache/workdeck');
for (let i = 0; i < RUNS; i++) {
  if (FIRST) rmSync(templateCache, { recursive: true, force: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'workdeck-startup-'));
  try {
    lines.push(row(FIRST ? 'first' : 'fresh', i, await startOnce(dataDir)));
    lines.push(row('existing', i, await startOnce(dataDir)));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
process.stdout.write(`${lines.join('\n')}\n`);

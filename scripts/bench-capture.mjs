// Preloaded by `npm run bench -- --baseline` (node --import) into workdeck and into the baseline
// server for the statement check only (the measured servers run without it): records the text of
// every statement the process sends through `pg`, in order, so that the bench can compare what
// both servers send for the same request. The record is the
// file named by BENCH_CAPTURE_FILE, one JSON line per statement (`named`: a prepared statement).
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const file = process.env.BENCH_CAPTURE_FILE;
if (file) {
  // The app's own copy of pg (a CommonJS module: one instance per process, whoever loads it).
  const require = createRequire(join(process.cwd(), 'package.json'));
  const pg = require('pg');
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function capturedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text === 'string') {
      appendFileSync(file, `${JSON.stringify({ text, named: Boolean(config?.name) })}\n`);
    }
    return original.call(this, config, ...rest);
  };
}

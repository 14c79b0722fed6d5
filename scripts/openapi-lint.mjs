#!/usr/bin/env node
// npm run openapi:lint: builds, starts the app, saves the document it serves at /openapi.json
// (dist/openapi.json) and lints it with Redocly (redocly.yaml: `recommended`) and Spectral
// (.spectral.yaml: `spectral:oas`). Any error or warning fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchDocument, root, withApp } from './openapi-app.mjs';

const bin = (name) => join(root, 'node_modules/.bin', name);
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
const file = join(root, 'dist/openapi.json');
writeFileSync(file, `${JSON.stringify(await withApp(fetchDocument), null, 2)}\n`);

// No telemetry or update check: CI and this machine reach only the package registries.
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
const runs = [
  [
    'redocly',
    [
      bin('redocly'),
      'lint',
      '--config',
      join(root, 'redocly.yaml'),
      '--max-problems',
      '1000',
      file,
    ],
  ],
  [
    'spectral',
    [
      bin('spectral'),
      'lint',
      '--ruleset',
      join(root, '.spectral.yaml'),
      '--fail-severity',
      'hint',
      '--format',
      'text',
      file,
    ],
  ],
];
let failed = 0;
for (const [name, [cmd, ...args]] of runs) {
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', env, cwd: root });
  if (result.status !== 0) failed += 1;
}
// Redocly exits 0 on warnings: count them from its JSON report.
const report = spawnSync(
  bin('redocly'),
  ['lint', '--config', join(root, 'redocly.yaml'), '--format', 'json', file],
  {
    env,
    cwd: root,
    encoding: 'utf8',
  },
);
const totals = JSON.parse(report.stdout).totals;
if (totals.errors + totals.warnings > 0) {
  process.stderr.write(`redocly: ${totals.errors} errors, ${totals.warnings} warnings\n`);
  failed += 1;
}
if (failed > 0) {
  process.stderr.write('OpenAPI lint failed\n');
  process.exit(1);
}
process.stdout.write('\nOpenAPI lint: no errors, no warnings\n');

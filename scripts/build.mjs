#!/usr/bin/env node
// `npm start`'s build (prestart): transpiles src/ and migrations/ (what tsconfig.build.json
// includes, without the specs) to dist/ with SWC, file by file, in about a second where tsc
// takes ~40 s. It does not type-check: `npm run typecheck` and CI do, and `npm test` and
// `npm run build` still compile with tsc. The options are `.swcrc`'s (Jest's in jest.config.js):
// ES modules, legacy decorators with their metadata, no define semantics for class fields.
//
// Incremental: a file is compiled when its output is missing or older than its source, or when
// the settings (.swcrc, the SWC version) differ from the last build's (dist/.swc-build.json).
// Whenever a file is rewritten, dist/.tsbuildinfo is removed: tsc's incremental state no longer
// describes dist/, so its next compile (npm test) emits every file again.
// `--out-dir <dir>` writes elsewhere than dist/ (a spec compares that build with tsc's); the
// directory must lie inside the project, so that the output finds node_modules.
// BUILD_VERBOSE=true prints how many files were compiled and how long it took.
import { transformFile, version as swcVersion } from '@swc/core';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDirFlag = process.argv.indexOf('--out-dir');
const outDir = resolve(root, outDirFlag > 0 ? process.argv[outDirFlag + 1] : 'dist');
const SOURCE_DIRS = ['src', 'migrations'];
const stampFile = join(outDir, '.swc-build.json');

const swcrcText = readFileSync(join(root, '.swcrc'), 'utf8');
const { $schema: _schema, ...options } = JSON.parse(swcrcText);
const settings = createHash('sha256').update(`${swcVersion}\n${swcrcText}`).digest('hex');
const previous = existsSync(stampFile)
  ? JSON.parse(readFileSync(stampFile, 'utf8')).settings
  : settings;
const settingsChanged = previous !== settings;

function sources(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else if (/\.ts$/.test(entry.name) && !/\.(spec|d)\.ts$/.test(entry.name)) found.push(path);
  }
  return found;
}

const stale = (source, target) =>
  settingsChanged || !existsSync(target) || statSync(target).mtimeMs < statSync(source).mtimeMs;

const started = performance.now();
const jobs = SOURCE_DIRS.flatMap((dir) => sources(join(root, dir)))
  .map((source) => ({
    source,
    target: join(outDir, relative(root, source).replace(/\.ts$/, '.js')),
  }))
  .filter(({ source, target }) => stale(source, target));

let failed = 0;
await Promise.all(
  jobs.map(async ({ source, target }) => {
    try {
      const { code, map } = await transformFile(source, {
        ...options,
        swcrc: false,
        configFile: false,
        filename: source,
        sourceFileName: relative(dirname(target), source),
        outputPath: target,
      });
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, map ? `${code}\n//# sourceMappingURL=${basename(target)}.map\n` : code);
      if (map) writeFileSync(`${target}.map`, map);
    } catch (err) {
      failed += 1;
      process.stderr.write(
        `${relative(root, source)}: ${err instanceof Error ? err.message : err}\n`,
      );
    }
  }),
);
if (jobs.length > 0) rmSync(join(outDir, '.tsbuildinfo'), { force: true });
if (failed > 0) {
  process.stderr.write(`build failed: ${failed} of ${jobs.length} files did not compile\n`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
writeFileSync(stampFile, `${JSON.stringify({ settings })}\n`);
if (process.env.BUILD_VERBOSE === 'true') {
  process.stdout.write(
    `compiled ${jobs.length} files in ${Math.round(performance.now() - started)} ms\n`,
  );
}

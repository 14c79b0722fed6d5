import { execFile } from 'node:child_process';
import {
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { cp } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** An initialised PostgreSQL data directory has this file; PGlite checks it the same way. */
const PG_VERSION_FILE = 'PG_VERSION';
/** initdb in WASM takes several seconds on a busy machine; far beyond that, something is wrong. */
const INITDB_TIMEOUT_MS = 120_000;

/**
 * Makes sure `pgdataDir` holds an initialised PostgreSQL data directory before PGlite opens it.
 *
 * PGlite runs initdb itself on an empty directory, in the same process: it costs about 8 s and
 * leaves the process holding some 450 MB more memory for good (a second WASM instance whose
 * heap V8 never gives back). Instead, initdb runs once per PGlite version in a short-lived child
 * process into a pristine template kept in `node_modules/.cache/workdeck/` (what initdb writes
 * depends only on the PGlite build), and every new data directory is a file copy of it: a
 * fraction of a second, and no memory left behind. When the cache cannot be written, initdb
 * still runs in a child process, straight into `pgdataDir`.
 *
 * The copy lands under a temporary name and is renamed into place, so a crash midway leaves
 * no half-initialised data directory. An existing directory is never touched.
 */
export async function ensurePgliteDataDir(pgdataDir: string): Promise<void> {
  if (existsSync(join(pgdataDir, PG_VERSION_FILE))) return;
  if (existsSync(pgdataDir) && readdirSync(pgdataDir).length > 0) return; // PGlite reports it
  const pglite = pgliteModule();
  if (!pglite) return; // not resolvable here (unit tests through a transpiler): PGlite's own initdb
  const template = join(cacheDir(pglite.packageDir), `pglite-${pglite.version}`);
  try {
    if (!existsSync(join(template, PG_VERSION_FILE))) await initdbInto(template, pglite.url);
  } catch {
    await initdbInto(pgdataDir, pglite.url);
    return;
  }
  const staging = `${pgdataDir}.init-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(pgdataDir), { recursive: true });
  // Asynchronous, so that the application's modules keep loading meanwhile (see main.ts); a
  // copy-on-write clone where the file system can.
  await cp(template, staging, { recursive: true, mode: constants.COPYFILE_FICLONE });
  if (existsSync(pgdataDir)) rmdirSync(pgdataDir); // empty, checked above
  renameSync(staging, pgdataDir);
}

/**
 * Runs PGlite's initdb in a child process into `target` (under a temporary name, then renamed,
 * so that concurrent starts never see half a template; the loser of a race keeps the winner's).
 */
async function initdbInto(target: string, pgliteUrl: string): Promise<void> {
  const staging = `${target}.initdb-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  const script = [
    `const { PGlite } = await import(${JSON.stringify(pgliteUrl)});`,
    'const db = await PGlite.create(process.env.WORKDECK_INITDB_DIR);',
    'await db.close();',
  ].join('\n');
  try {
    await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, WORKDECK_INITDB_DIR: staging },
      timeout: INITDB_TIMEOUT_MS,
    });
    try {
      if (existsSync(target)) rmdirSync(target);
      renameSync(staging, target);
    } catch (err) {
      // Another process finished first: its copy is as good as ours.
      if (!existsSync(join(target, PG_VERSION_FILE))) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

interface PgliteModule {
  url: string;
  packageDir: string;
  version: string;
}

function pgliteModule(): PgliteModule | undefined {
  try {
    const url = import.meta.resolve('@electric-sql/pglite');
    // .../node_modules/@electric-sql/pglite/dist/index.js
    const packageDir = resolve(dirname(fileURLToPath(url)), '..');
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    return { url, packageDir, version };
  } catch {
    return undefined;
  }
}

/** `node_modules/.cache/workdeck`, the conventional place for a package's build caches. */
function cacheDir(pglitePackageDir: string): string {
  return resolve(pglitePackageDir, '..', '..', '.cache', 'workdeck');
}

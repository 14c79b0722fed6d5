import { resolve } from 'node:path';

/** The embedded database lives in DATA_DIR/pgdata; `memory://` keeps it in memory (tests). */
export function pgliteDataDir(dataDir: string): string {
  return dataDir.startsWith('memory://') ? dataDir : resolve(dataDir, 'pgdata');
}

/** The lock file beside a file-backed PGlite data directory; in-memory databases need none. */
export function pgliteLockFile(pgdataDir: string): string | undefined {
  return pgdataDir.startsWith('memory://') ? undefined : `${pgdataDir}.lock`;
}

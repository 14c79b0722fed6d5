import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How often a lock whose owner is gone is taken over before giving up (a lost race retries). */
const TAKEOVER_ATTEMPTS = 3;

/** Another live process holds the embedded database directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly ownerPid: number,
  ) {
    super(
      `DATA_DIR ${dirname(lockFile)} is in use by another workdeck process (pid ${ownerPid}): ` +
        `stop that process or set another DATA_DIR (lock file ${lockFile})`,
    );
    this.name = 'DataDirLockedError';
  }
}

const held = new Set<string>();

/**
 * Takes the lock of an embedded (PGlite) database directory for this process: PGlite is a single
 * in-process PostgreSQL, and two processes writing one data directory corrupt it.
 *
 * The lock is a file holding the owner's pid, created atomically and exclusively. A lock whose pid is
 * no longer alive (the owner was killed) is stale and taken over. Taking it again in the same
 * process is a no-op. It is removed at exit; a SIGKILL leaves it behind, which is what the stale
 * check is for. Pid reuse can make a stale lock look live after a reboot: the error names the
 * file, so an operator can remove it.
 */
export function lockDataDir(lockFile: string): void {
  if (held.has(lockFile)) return;
  mkdirSync(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    if (tryCreate(lockFile)) {
      held.add(lockFile);
      process.once('exit', () => release(lockFile));
      return;
    }
    const owner = readOwner(lockFile);
    if (owner === process.pid) {
      held.add(lockFile);
      return;
    }
    if (owner !== undefined && isAlive(owner)) throw new DataDirLockedError(lockFile, owner);
    removeStale(lockFile, owner);
  }
  const owner = readOwner(lockFile);
  throw new DataDirLockedError(lockFile, owner ?? 0);
}

/** Gives the lock up (at exit, or when the database is closed). */
export function releaseDataDir(lockFile: string): void {
  release(lockFile);
}

/**
 * Writes the pid to a private file first and links it into place: `link` fails if the lock
 * exists, and nobody ever sees a lock file without its pid.
 */
function tryCreate(lockFile: string): boolean {
  const candidate = `${lockFile}.${process.pid}`;
  writeFileSync(candidate, `${process.pid}\n`, { mode: 0o600 });
  try {
    linkSync(candidate, lockFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(candidate);
  }
}

/**
 * Moves a stale lock out of the way under a name of our own (`rename` is atomic, so of two
 * processes doing this at once only one gets it). If what was moved turns out to be a fresh lock
 * of a live process (another one took over first), it is put back.
 */
function removeStale(lockFile: string, staleOwner: number | undefined): void {
  const grave = `${lockFile}.stale.${process.pid}`;
  try {
    renameSync(lockFile, grave);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readOwner(grave);
  if (moved !== staleOwner && moved !== undefined && isAlive(moved)) {
    try {
      linkSync(grave, lockFile);
    } catch {
      // Someone holds it again already; the next look reports them.
    }
  }
  unlinkSync(grave);
}

function readOwner(lockFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function release(lockFile: string): void {
  if (!held.delete(lockFile)) return;
  try {
    if (readOwner(lockFile) === process.pid) unlinkSync(lockFile);
  } catch {
    // Already gone: nothing to release.
  }
}

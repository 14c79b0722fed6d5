import { QueryFailedError } from 'typeorm';

/** True when `err` is a unique violation (optionally of the named index or constraint). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const driverError = err.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && (!constraint || driverError.constraint === constraint);
}

/**
 * SQLSTATEs that mean "the database is not there right now", not "the request is wrong":
 * class 08 (connection exception), 53300 too many connections, 57P01 admin shutdown
 * (`pg_terminate_backend`, a fast shutdown), 57P02 crash shutdown, 57P03 starting up.
 */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03']);
const CONNECTION_EXCEPTION_CLASS = '08';

/** Socket-level failures of a database or Redis connection. */
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Messages of the drivers' own errors for a lost or unobtainable connection (they carry no
 * code): pg's client and pool, TypeORM's released query runners (a connection lost in the
 * middle of a transaction releases its runner, and the rollback then meets it released),
 * PGlite closed during shutdown, and ioredis giving up on a command.
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
  /^Query runner already released/,
  /^Database connection provided by a query runner was already released/,
  /^PGlite is closed/,
  /^Connection is closed\.?$/,
  /^Reached the max retries per request limit/,
  /^Stream isn't writeable and enableOfflineQueue options is false/,
];

const MAX_CAUSE_DEPTH = 4;

/**
 * True when `err` says that the database (or Redis) cannot be reached or has dropped the
 * connection: the caller should get 503 with Retry-After, never 500. Looks through TypeORM's
 * `driverError` and `cause` chains.
 */
export function isDependencyUnavailable(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > MAX_CAUSE_DEPTH) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SYSCALL_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code) && code.startsWith(CONNECTION_EXCEPTION_CLASS)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return true;
  if (
    err instanceof AggregateError &&
    err.errors.some((x) => isDependencyUnavailable(x, depth + 1))
  )
    return true;
  return (
    (e.driverError !== err && isDependencyUnavailable(e.driverError, depth + 1)) ||
    (e.cause !== err && isDependencyUnavailable(e.cause, depth + 1))
  );
}

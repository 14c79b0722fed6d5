/** Why an attempt failed; the attempt row's `error_class` and the metrics label. */
export type AttemptErrorClass =
  | 'http_error'
  | 'rate_limited'
  | 'gone'
  | 'redirect'
  | 'timeout'
  | 'connection'
  | 'dns'
  | 'ssrf_blocked';

/** The Svix schedule after the immediate first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;
/** ±20 %: spreads the retries of many deliveries failing together (an endpoint's outage). */
export const RETRY_JITTER_RATIO = 0.2;
/** After a 429 or a timeout the endpoint is struggling: wait at least this long... */
export const OVERLOAD_FLOOR_MS = 60_000;
/** ...or Retry-After, but never more than this multiple of the scheduled delay. */
export const MAX_DELAY_FACTOR = 2;
const MS_PER_SECOND = 1000;

export interface RetryInput {
  /** Delays before each retry, in seconds (WEBHOOK_RETRY_SCHEDULE). */
  schedule: readonly number[];
  /** Attempts made so far, including the one that just failed (1 after the first). */
  attemptsMade: number;
  errorClass: AttemptErrorClass;
  /** The response's Retry-After, in milliseconds from now, when it had a usable one. */
  retryAfterMs?: number | null;
  /** Uniform in [0, 1); injectable so tests pin the jitter. */
  random?: () => number;
}

/** The delay before the next attempt in milliseconds, or null when the delivery is now dead. */
export function nextRetryDelayMs(input: RetryInput): number | null {
  const scheduledSeconds = input.schedule[input.attemptsMade - 1];
  if (scheduledSeconds === undefined) return null;
  const scheduled = scheduledSeconds * MS_PER_SECOND;
  const random = input.random ?? Math.random;
  const jittered = scheduled * (1 + (random() * 2 - 1) * RETRY_JITTER_RATIO);
  const ceiling = scheduled * MAX_DELAY_FACTOR;
  const overloaded = input.errorClass === 'rate_limited' || input.errorClass === 'timeout';
  const floor = overloaded ? Math.min(OVERLOAD_FLOOR_MS, ceiling) : 0;
  const asked = input.retryAfterMs ?? 0;
  return Math.round(Math.min(ceiling, Math.max(jittered, floor, asked)));
}

/** Parses WEBHOOK_RETRY_SCHEDULE ("5,300,1800"); throws naming the bad entry. */
export function parseRetrySchedule(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  const seconds = parts.map(Number);
  const bad = parts.find((p, i) => p === '' || !Number.isFinite(seconds[i]) || seconds[i] < 0);
  if (bad !== undefined || parts.length === 0) {
    throw new Error(`WEBHOOK_RETRY_SCHEDULE: "${value}" is not a comma-separated list of seconds`);
  }
  return seconds;
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Unparseable or past values count as absent.
 */
export function parseRetryAfter(value: string | undefined | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * MS_PER_SECOND;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  const ms = at - now.getTime();
  return ms > 0 ? ms : null;
}

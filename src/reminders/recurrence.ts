import { Cron } from 'croner';
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { isValidTimeZone } from '../common/time-zone.js';

export { isValidTimeZone };

/**
 * Pure schedule arithmetic for reminders: what the next occurrences are, in which instant a
 * wall-clock time lands, and which missed occurrences fire after downtime.
 *
 * DST policy (the README states it too), applied in ONE place, `wallToInstant`:
 * - A rule is a wall-clock rule: 09:00 stays 09:00 local across offset changes.
 * - A local time that does not exist (spring-forward gap) fires shifted forward by the length of
 *   the gap (02:30 in a one-hour gap fires at 03:30; in Lord Howe's 30-minute gap at 02:30+0:30).
 * - A local time that exists twice (fall-back fold) fires once, at its first instance.
 * This is RFC 5545 §3.3.5's reading of DTSTART and Temporal's `compatible` disambiguation.
 *
 * The RRULE and cron libraries are used only as wall-clock pattern matchers: they expand rules
 * in a zone without offsets (UTC, i.e. "floating" time), so neither library's own DST handling
 * (RFC 5545 drops generated times that fall into a gap; croner has fixed/interval job rules) and
 * neither the server's process time zone can leak into the result.
 */

/** Once a minute is the densest schedule a reminder may have. */
export const MIN_INTERVAL_MS = 60_000;
/** `fire_all` fires at most this many missed occurrences; the rest are recorded as skipped. */
export const FIRE_ALL_MAX = 10;
/** At most this many skipped occurrences are recorded one by one per catch-up. */
export const SKIPPED_RECORD_MAX = 100;
/** `nextOccurrences` in responses. */
export const PREVIEW_COUNT = 5;
/** Card due-date offsets per card. */
export const REMIND_BEFORE_MAX = 5;
/** Safety cap on candidates examined for one "next" question (guards a pathological rule). */
const MAX_CANDIDATES_PER_QUERY = 10_000;
/** First look-back window when searching the most recent missed occurrences after downtime. */
const TAIL_WINDOW_START_MS = 10 * MIN_INTERVAL_MS;
/** Cap on occurrences scanned inside one tail window (keeps catch-up bounded for any rule). */
const TAIL_SCAN_MAX = 2_000;

const MS_PER_SECOND = 1000;

export type CatchUpPolicy = 'fire_all' | 'fire_once' | 'skip';
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ['fire_all', 'fire_once', 'skip'];

export type ScheduleSpec =
  | { kind: 'once'; remindAt: Date }
  | { kind: 'rrule'; rrule: string; dtstart: string; timeZone: string }
  | { kind: 'cron'; cron: string; timeZone: string };

/** A schedule the user wrote wrongly; `field` names the offending request field (422). */
export class ScheduleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** The instant a local wall-clock time denotes in `zone`, by the DST policy above. */
export function wallToInstant(wall: Temporal.PlainDateTime, zone: string): Date {
  const zdt = wall.toZonedDateTime(zone, { disambiguation: 'compatible' });
  return new Date(zdt.epochMilliseconds);
}

function instantToWall(instant: Date, zone: string): Temporal.PlainDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDateTime();
}

/** Wall time <-> the same fields read as UTC: the "floating" clock the pattern libraries run on. */
function wallToFloatingMs(wall: Temporal.PlainDateTime): number {
  return wall.toZonedDateTime('UTC').epochMilliseconds;
}
function floatingMsToWall(ms: number): Temporal.PlainDateTime {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO('UTC').toPlainDateTime();
}

/** A rule over wall-clock times: the first wall time >= (or >) `from`. */
interface WallPattern {
  nextWall(from: Temporal.PlainDateTime, inclusive: boolean): Temporal.PlainDateTime | null;
}

/** A validated schedule: answers "what is the first occurrence strictly after this instant". */
export interface CompiledSchedule {
  readonly spec: ScheduleSpec;
  next(after: Date): Date | null;
}

const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const RRULE_PARTS = new Set([
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'BYSECOND',
  'BYMINUTE',
  'BYHOUR',
  'BYDAY',
  'BYMONTHDAY',
  'BYYEARDAY',
  'BYWEEKNO',
  'BYMONTH',
  'BYSETPOS',
  'WKST',
]);
const RRULE_MAX_LENGTH = 1000;
const UNTIL_UTC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `dtstart` (local wall time `YYYY-MM-DDTHH:mm[:ss]`, no offset). */
export function parseLocalDateTime(value: string, field = 'dtstart'): Temporal.PlainDateTime {
  if (typeof value !== 'string' || !LOCAL_DATE_TIME.test(value)) {
    throw new ScheduleError(field, 'must be a local date-time YYYY-MM-DDTHH:mm:ss without offset');
  }
  try {
    return Temporal.PlainDateTime.from(value, { overflow: 'reject' });
  } catch {
    throw new ScheduleError(field, 'is not a valid calendar date-time');
  }
}

function compileRrule(rrule: string, dtstart: Temporal.PlainDateTime, zone: string): WallPattern {
  if (typeof rrule !== 'string' || rrule.length === 0 || rrule.length > RRULE_MAX_LENGTH) {
    throw new ScheduleError('rrule', `must be 1-${RRULE_MAX_LENGTH} characters`);
  }
  if (/^RRULE:/i.test(rrule) || /[\r\n]/.test(rrule)) {
    throw new ScheduleError('rrule', 'must be the rule text alone, without an RRULE: prefix');
  }
  const parts = new Map<string, string>();
  for (const part of rrule.split(';')) {
    const [rawName, value, extra] = part.split('=');
    const name = (rawName ?? '').toUpperCase();
    if (!RRULE_PARTS.has(name) || value === undefined || value === '' || extra !== undefined) {
      throw new ScheduleError('rrule', `has an unsupported or malformed part "${part}"`);
    }
    if (parts.has(name)) throw new ScheduleError('rrule', `repeats the ${name} part`);
    parts.set(name, value);
  }
  const freq = parts.get('FREQ')?.toUpperCase();
  if (!freq) throw new ScheduleError('rrule', 'must have a FREQ part');
  if (freq === 'SECONDLY' || (parts.get('BYSECOND') ?? '').includes(',')) {
    throw new ScheduleError('rrule', 'fires more often than once a minute');
  }
  if (parts.has('COUNT') && parts.has('UNTIL')) {
    throw new ScheduleError('rrule', 'may have COUNT or UNTIL, not both');
  }
  // The expansion runs on floating time: an UNTIL given as a UTC instant becomes the wall time
  // it denotes in the reminder's zone, so the bound means what the user wrote.
  const until = parts.get('UNTIL');
  const utc = until ? UNTIL_UTC.exec(until) : null;
  if (utc) {
    const instant = new Date(
      Date.UTC(+utc[1]!, +utc[2]! - 1, +utc[3]!, +utc[4]!, +utc[5]!, +utc[6]!),
    );
    const local = instantToWall(instant, zone);
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    parts.set(
      'UNTIL',
      `${pad(local.year, 4)}${pad(local.month)}${pad(local.day)}T${pad(local.hour)}${pad(local.minute)}${pad(local.second)}Z`,
    );
  }
  const text = [...parts].map(([k, v]) => `${k}=${v}`).join(';');
  let rule: RRuleTemporal;
  try {
    rule = new RRuleTemporal({
      rruleString: `RRULE:${text}`,
      dtstart: dtstart.toZonedDateTime('UTC'),
      tzid: 'UTC',
    });
  } catch (error) {
    throw new ScheduleError('rrule', `is not a valid RFC 5545 rule: ${(error as Error).message}`);
  }
  return {
    nextWall(from, inclusive) {
      const found = rule.next(new Date(wallToFloatingMs(from)), inclusive);
      return found ? found.toPlainDateTime() : null;
    },
  };
}

function compileCron(expression: string): WallPattern {
  if (typeof expression !== 'string' || expression.trim().split(/\s+/).length !== 5) {
    throw new ScheduleError(
      'cron',
      'must be a 5-field cron expression (minute hour day month weekday)',
    );
  }
  let cron: Cron;
  try {
    // Evaluated in UTC = floating wall time; Vixie semantics (day-of-month OR day-of-week).
    cron = new Cron(expression.trim(), { timezone: 'UTC', mode: '5-part', paused: true });
  } catch (error) {
    throw new ScheduleError('cron', `is not a valid cron expression: ${(error as Error).message}`);
  }
  return {
    nextWall(from, inclusive) {
      // croner answers "strictly after"; its resolution is one second.
      const reference = wallToFloatingMs(from) - (inclusive ? MS_PER_SECOND : 0);
      const found = cron.nextRun(new Date(reference));
      return found ? floatingMsToWall(found.getTime()) : null;
    },
  };
}

/**
 * Where to start looking for wall times: normally the wall time of `after` itself, but right
 * after a spring-forward transition a wall time inside the gap (before `after`'s wall time) is
 * shifted to an instant after `after`, so the search starts at the gap's beginning.
 */
function searchStart(after: Date, zone: string): Temporal.PlainDateTime {
  const zdt = Temporal.Instant.fromEpochMilliseconds(after.getTime()).toZonedDateTimeISO(zone);
  const wall = zdt.toPlainDateTime();
  const transition = zdt.getTimeZoneTransition('previous');
  if (!transition) return wall;
  const before = transition.subtract({ nanoseconds: 1 });
  const gapNs = BigInt(transition.offsetNanoseconds - before.offsetNanoseconds);
  if (gapNs <= 0n) return wall;
  const sinceNs = zdt.epochNanoseconds - transition.epochNanoseconds;
  return sinceNs < gapNs ? wall.subtract({ nanoseconds: Number(gapNs) }) : wall;
}

function compileWallSchedule(
  spec: ScheduleSpec,
  pattern: WallPattern,
  zone: string,
): CompiledSchedule {
  return {
    spec,
    next(after) {
      let from = searchStart(after, zone);
      let inclusive = true;
      let best: { instant: Date; realWall: Temporal.PlainDateTime } | null = null;
      for (let examined = 0; examined < MAX_CANDIDATES_PER_QUERY; examined += 1) {
        const wall = pattern.nextWall(from, inclusive);
        // A later wall time can only land earlier than the best so far while it is before the
        // best one's real wall time (the best was shifted out of a gap); past that, stop.
        if (!wall || (best && Temporal.PlainDateTime.compare(wall, best.realWall) >= 0)) break;
        const zdt = wall.toZonedDateTime(zone, { disambiguation: 'compatible' });
        const instant = new Date(zdt.epochMilliseconds);
        if (instant.getTime() > after.getTime() && (!best || instant < best.instant)) {
          best = { instant, realWall: zdt.toPlainDateTime() };
        }
        from = wall;
        inclusive = false;
      }
      return best?.instant ?? null;
    },
  };
}

/** Validates and compiles a schedule (syntax, zone, frequency); does not look at "now". */
export function compileSchedule(spec: ScheduleSpec): CompiledSchedule {
  if (spec.kind === 'once') {
    const at = spec.remindAt;
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
      throw new ScheduleError('remindAt', 'must be an ISO 8601 instant');
    }
    return { spec, next: (after) => (at.getTime() > after.getTime() ? at : null) };
  }
  if (!isValidTimeZone(spec.timeZone)) {
    throw new ScheduleError('timeZone', 'must be a known IANA time-zone name');
  }
  if (spec.kind === 'rrule') {
    const dtstart = parseLocalDateTime(spec.dtstart);
    return compileWallSchedule(
      spec,
      compileRrule(spec.rrule, dtstart, spec.timeZone),
      spec.timeZone,
    );
  }
  return compileWallSchedule(spec, compileCron(spec.cron), spec.timeZone);
}

/** The first `count` occurrences strictly after `after`. */
export function nextOccurrences(schedule: CompiledSchedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let cursor = after;
  while (out.length < count) {
    const next = schedule.next(cursor);
    if (!next) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/** The field a schedule's problems are reported on. */
export function scheduleField(spec: ScheduleSpec): string {
  return spec.kind === 'once' ? 'remindAt' : spec.kind;
}

/**
 * Validates a schedule for a create/update at `now`: compiles it and requires a future
 * occurrence. Returns the compiled schedule and its first occurrence after `now`.
 */
export function validateSchedule(
  spec: ScheduleSpec,
  now: Date,
): { schedule: CompiledSchedule; first: Date } {
  const schedule = compileSchedule(spec);
  const first = schedule.next(now);
  if (!first) {
    throw new ScheduleError(
      scheduleField(spec),
      spec.kind === 'once' ? 'must be in the future' : 'has no occurrence in the future',
    );
  }
  return { schedule, first };
}

export interface FiringPlan {
  /** Occurrences to fire now, oldest first. */
  fire: { scheduledFor: Date; late: boolean }[];
  /** Occurrences recorded as skipped, oldest first (at most SKIPPED_RECORD_MAX). */
  skipped: Date[];
  /** True when more occurrences were skipped than are recorded one by one. */
  skippedTruncated: boolean;
  /** The first occurrence after `now`, i.e. the reminder's next fire time (null: none left). */
  next: Date | null;
}

/**
 * What to do with a reminder whose next occurrence `firstDue` is at or before `now`. An occurrence
 * more than `lateAfterMs` old is missed (late). On-time occurrences always fire; `fire_all` fires
 * the most recent FIRE_ALL_MAX due ones, `fire_once` the most recent one, `skip` none of the
 * missed ones; every due occurrence that does not fire is recorded as skipped. The work is bounded however long the downtime was: at most
 * SKIPPED_RECORD_MAX + FIRE_ALL_MAX occurrences are walked from `firstDue`, and the most recent
 * missed ones are found by searching back from `now` in widening windows.
 */
export function planFiring(
  schedule: CompiledSchedule,
  firstDue: Date,
  now: Date,
  policy: CatchUpPolicy,
  lateAfterMs: number,
): FiringPlan {
  const headMax = SKIPPED_RECORD_MAX + FIRE_ALL_MAX;
  const due: Date[] = [firstDue];
  let following = schedule.next(firstDue);
  while (following && following <= now && due.length < headMax) {
    due.push(following);
    following = schedule.next(following);
  }
  let truncated = false;
  if (following && following <= now) {
    // Long downtime: keep the head (recorded as skipped) and find the tail near `now`.
    truncated = true;
    const head = due.slice(0, SKIPPED_RECORD_MAX);
    const tail = recentOccurrences(schedule, head[head.length - 1]!, now, FIRE_ALL_MAX);
    due.splice(0, due.length, ...head, ...tail);
    following = schedule.next(now);
  }
  const isLate = (at: Date): boolean => now.getTime() - at.getTime() > lateAfterMs;
  const onTimeCount = due.filter((at) => !isLate(at)).length;
  // `due` is oldest first, so the on-time occurrences are its tail.
  let fireCount: number;
  if (policy === 'fire_all') fireCount = Math.min(due.length, FIRE_ALL_MAX);
  else if (policy === 'fire_once') fireCount = Math.max(onTimeCount, 1);
  else fireCount = onTimeCount;
  const firing = due.slice(due.length - fireCount);
  const skipped = due.slice(0, due.length - fireCount);
  return {
    fire: firing.map((scheduledFor) => ({ scheduledFor, late: isLate(scheduledFor) })),
    skipped: skipped.slice(0, SKIPPED_RECORD_MAX),
    skippedTruncated: truncated || skipped.length > SKIPPED_RECORD_MAX,
    next: following,
  };
}

/**
 * Up to `count` most recent occurrences in (`floor`, `now`]. Occurrences are at least a minute
 * apart, so a window of W ms holds at most W/1min + 1 of them; windows double until enough are
 * found or the floor is reached, and each window's scan is capped.
 */
function recentOccurrences(
  schedule: CompiledSchedule,
  floor: Date,
  now: Date,
  count: number,
): Date[] {
  let windowMs = TAIL_WINDOW_START_MS;
  for (;;) {
    const start = new Date(Math.max(now.getTime() - windowMs, floor.getTime()));
    const found: Date[] = [];
    let cursor = schedule.next(start);
    for (let scanned = 0; cursor && cursor <= now && scanned < TAIL_SCAN_MAX; scanned += 1) {
      found.push(cursor);
      if (found.length > count) found.shift();
      cursor = schedule.next(cursor);
    }
    if (found.length >= count || start.getTime() === floor.getTime()) return found;
    windowMs *= 2;
  }
}

/** An ISO 8601 duration (`PT1H`, `P1D`, `P1W`), validated; zero means "at the due time". */
export function parseRemindBefore(value: string, field = 'remindBefore'): Temporal.Duration {
  let duration: Temporal.Duration;
  try {
    duration = Temporal.Duration.from(value);
  } catch {
    throw new ScheduleError(field, 'must be an ISO 8601 duration such as PT1H or P1D');
  }
  if (duration.sign < 0) throw new ScheduleError(field, 'must not be negative');
  return duration;
}

/** The instant `offset` before `dueAt`, calendar units counted on the wall clock of `zone`. */
export function instantBefore(dueAt: Date, offset: Temporal.Duration, zone: string): Date {
  const zdt = Temporal.Instant.fromEpochMilliseconds(dueAt.getTime()).toZonedDateTimeISO(zone);
  return new Date(zdt.subtract(offset).epochMilliseconds);
}

/** Exposed for tests: a schedule's occurrences in [from, to], capped. */
export function occurrencesBetween(
  schedule: CompiledSchedule,
  from: Date,
  to: Date,
  cap = 1000,
): Date[] {
  const out: Date[] = [];
  let cursor = schedule.next(new Date(from.getTime() - 1));
  while (cursor && cursor <= to && out.length < cap) {
    out.push(cursor);
    cursor = schedule.next(cursor);
  }
  return out;
}

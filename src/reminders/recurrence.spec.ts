import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  compileSchedule,
  FIRE_ALL_MAX,
  instantBefore,
  isValidTimeZone,
  nextOccurrences,
  parseRemindBefore,
  planFiring,
  ScheduleError,
  type ScheduleSpec,
  SKIPPED_RECORD_MAX,
  validateSchedule,
} from './recurrence.js';
import { GOLDEN_CASES, type GoldenCase } from './recurrence.golden.js';

const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
const run = (c: GoldenCase): string[] =>
  nextOccurrences(compileSchedule(c.spec), new Date(c.after), c.expected.length + 1)
    .slice(0, c.expected.length)
    .map(iso);
const LATE_MS = 60_000;

describe('recurrence: DST golden cases (in this process)', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(run(c)).toEqual(c.expected);
  });
});

describe('recurrence: results do not depend on the process time zone', () => {
  // The compiled module (npm test builds dist/ first) replays every golden case in child
  // processes whose TZ differs; their answers must equal the hand-derived ones.
  const compiled = resolve('dist/src/reminders/recurrence.js');
  const script = `
    import { compileSchedule, nextOccurrences } from ${JSON.stringify(compiled)};
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', () => {
      const cases = JSON.parse(input);
      const out = cases.map((c) => nextOccurrences(compileSchedule(c.spec), new Date(c.after), c.expected.length)
        .map((d) => d.toISOString().replace('.000Z', 'Z')));
      process.stdout.write(JSON.stringify({ tz: Intl.DateTimeFormat().resolvedOptions().timeZone, out }));
    });`;
  it.each(['UTC', 'Asia/Tokyo', 'America/New_York'])('TZ=%s', (tz) => {
    expect(existsSync(compiled)).toBe(true);
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      input: JSON.stringify(GOLDEN_CASES),
      env: { ...process.env, TZ: tz },
    }).toString();
    const { tz: seen, out } = JSON.parse(stdout) as { tz: string; out: string[][] };
    expect(seen).toBe(tz);
    expect(out).toEqual(GOLDEN_CASES.map((c) => c.expected));
  });
});

describe('recurrence: validation', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const fieldOf = (spec: ScheduleSpec): string | undefined => {
    try {
      validateSchedule(spec, now);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(ScheduleError);
      return (error as ScheduleError).field;
    }
  };
  const rrule = (
    r: string,
    dtstart = '2026-06-01T09:00:00',
    timeZone = 'Europe/Berlin',
  ): ScheduleSpec => ({
    kind: 'rrule',
    rrule: r,
    dtstart,
    timeZone,
  });

  it('accepts valid schedules and answers their first occurrence', () => {
    expect(iso(validateSchedule(rrule('FREQ=DAILY'), now).first)).toBe('2026-06-02T07:00:00Z');
    expect(
      iso(validateSchedule({ kind: 'cron', cron: '0 9 * * 1-5', timeZone: 'UTC' }, now).first),
    ).toBe('2026-06-02T09:00:00Z');
    expect(
      iso(
        validateSchedule({ kind: 'once', remindAt: new Date('2026-06-01T12:00:01Z') }, now).first,
      ),
    ).toBe('2026-06-01T12:00:01Z');
  });

  it.each([
    ['unknown FREQ', rrule('FREQ=FORTNIGHTLY'), 'rrule'],
    ['unknown part', rrule('FREQ=DAILY;FOO=1'), 'rrule'],
    ['RRULE: prefix', rrule('RRULE:FREQ=DAILY'), 'rrule'],
    ['bad BYDAY', rrule('FREQ=WEEKLY;BYDAY=XX'), 'rrule'],
    ['COUNT and UNTIL', rrule('FREQ=DAILY;COUNT=2;UNTIL=20270101T000000Z'), 'rrule'],
    ['secondly', rrule('FREQ=SECONDLY'), 'rrule'],
    ['two seconds a minute', rrule('FREQ=MINUTELY;BYSECOND=0,30'), 'rrule'],
    ['no future occurrence', rrule('FREQ=DAILY;COUNT=2', '2020-01-01T09:00:00'), 'rrule'],
    ['dtstart with offset', rrule('FREQ=DAILY', '2026-06-01T09:00:00+02:00'), 'dtstart'],
    ['dtstart not a date', rrule('FREQ=DAILY', '2026-02-30T09:00:00'), 'dtstart'],
    ['unknown zone', rrule('FREQ=DAILY', '2026-06-01T09:00:00', 'Mars/Olympus_Mons'), 'timeZone'],
    ['offset as zone', rrule('FREQ=DAILY', '2026-06-01T09:00:00', '+02:00'), 'timeZone'],
    [
      '6-field cron',
      { kind: 'cron', cron: '* * * * * *', timeZone: 'UTC' } as ScheduleSpec,
      'cron',
    ],
    [
      'cron out of range',
      { kind: 'cron', cron: '61 * * * *', timeZone: 'UTC' } as ScheduleSpec,
      'cron',
    ],
    ['cron never', { kind: 'cron', cron: '0 0 30 2 *', timeZone: 'UTC' } as ScheduleSpec, 'cron'],
    [
      'remindAt in the past',
      { kind: 'once', remindAt: new Date('2026-06-01T11:59:59Z') } as ScheduleSpec,
      'remindAt',
    ],
  ])('%s is refused on its field', (_name, spec, field) => {
    expect(fieldOf(spec)).toBe(field);
  });

  it('knows IANA zones and refuses others', () => {
    expect(isValidTimeZone('Australia/Lord_Howe')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('recurrence: catch-up after downtime', () => {
  const minutely = compileSchedule({ kind: 'cron', cron: '* * * * *', timeZone: 'UTC' });
  const hourly = compileSchedule({ kind: 'cron', cron: '0 * * * *', timeZone: 'UTC' });
  const at = (s: string): Date => new Date(s);

  it('an on-time occurrence simply fires, not late', () => {
    const plan = planFiring(
      hourly,
      at('2026-06-01T10:00:00Z'),
      at('2026-06-01T10:00:00.400Z'),
      'fire_once',
      LATE_MS,
    );
    expect(plan.fire).toEqual([{ scheduledFor: at('2026-06-01T10:00:00Z'), late: false }]);
    expect(plan.skipped).toEqual([]);
    expect(plan.next).toEqual(at('2026-06-01T11:00:00Z'));
  });

  it('fire_once fires the most recent missed one late and skips the rest', () => {
    const plan = planFiring(
      hourly,
      at('2026-06-01T10:00:00Z'),
      at('2026-06-01T13:30:00Z'),
      'fire_once',
      LATE_MS,
    );
    expect(plan.fire).toEqual([{ scheduledFor: at('2026-06-01T13:00:00Z'), late: true }]);
    expect(plan.skipped.map(iso)).toEqual([
      '2026-06-01T10:00:00Z',
      '2026-06-01T11:00:00Z',
      '2026-06-01T12:00:00Z',
    ]);
    expect(plan.skippedTruncated).toBe(false);
    expect(plan.next).toEqual(at('2026-06-01T14:00:00Z'));
  });

  it('fire_all fires each missed one late, at most 10, the older ones skipped', () => {
    const plan = planFiring(
      hourly,
      at('2026-06-01T00:00:00Z'),
      at('2026-06-01T11:30:00Z'),
      'fire_all',
      LATE_MS,
    );
    expect(plan.fire).toHaveLength(FIRE_ALL_MAX);
    expect(plan.fire.every((f) => f.late)).toBe(true);
    expect(iso(plan.fire[0]!.scheduledFor)).toBe('2026-06-01T02:00:00Z');
    expect(iso(plan.fire[9]!.scheduledFor)).toBe('2026-06-01T11:00:00Z');
    expect(plan.skipped.map(iso)).toEqual(['2026-06-01T00:00:00Z', '2026-06-01T01:00:00Z']);
  });

  it('skip fires nothing that is missed but still fires what is on time', () => {
    const plan = planFiring(
      minutely,
      at('2026-06-01T10:00:00Z'),
      at('2026-06-01T10:05:10Z'),
      'skip',
      LATE_MS,
    );
    expect(plan.fire).toEqual([{ scheduledFor: at('2026-06-01T10:05:00Z'), late: false }]);
    expect(plan.skipped.map(iso)).toEqual([
      '2026-06-01T10:00:00Z',
      '2026-06-01T10:01:00Z',
      '2026-06-01T10:02:00Z',
      '2026-06-01T10:03:00Z',
      '2026-06-01T10:04:00Z',
    ]);
  });

  it('a year of downtime on a minutely rule stays bounded and still finds the latest', () => {
    const started = Date.now();
    const now = at('2027-06-01T10:00:30Z');
    const plan = planFiring(minutely, at('2026-06-01T10:00:00Z'), now, 'fire_all', LATE_MS);
    expect(plan.fire.map((f) => iso(f.scheduledFor))).toEqual([
      '2027-06-01T09:51:00Z',
      '2027-06-01T09:52:00Z',
      '2027-06-01T09:53:00Z',
      '2027-06-01T09:54:00Z',
      '2027-06-01T09:55:00Z',
      '2027-06-01T09:56:00Z',
      '2027-06-01T09:57:00Z',
      '2027-06-01T09:58:00Z',
      '2027-06-01T09:59:00Z',
      '2027-06-01T10:00:00Z',
    ]);
    expect(plan.fire.slice(0, 9).every((f) => f.late)).toBe(true);
    expect(plan.fire[9]!.late).toBe(false);
    expect(plan.skipped).toHaveLength(SKIPPED_RECORD_MAX);
    expect(plan.skippedTruncated).toBe(true);
    expect(plan.next).toEqual(at('2027-06-01T10:01:00Z'));
    // Not a timing assertion on speed; a guard that the walk did not visit 525,600 minutes.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a one-off reminder missed during downtime fires once, late, and has no next', () => {
    const once = compileSchedule({ kind: 'once', remindAt: at('2026-06-01T10:00:00Z') });
    const plan = planFiring(
      once,
      at('2026-06-01T10:00:00Z'),
      at('2026-06-03T00:00:00Z'),
      'fire_once',
      LATE_MS,
    );
    expect(plan.fire).toEqual([{ scheduledFor: at('2026-06-01T10:00:00Z'), late: true }]);
    expect(plan.next).toBeNull();
  });
});

describe('recurrence: remindBefore durations', () => {
  it('parses ISO 8601 durations and refuses others', () => {
    expect(parseRemindBefore('PT1H').total({ unit: 'minutes' })).toBe(60);
    expect(parseRemindBefore('P1W').weeks).toBe(1);
    expect(() => parseRemindBefore('1 hour')).toThrow(ScheduleError);
    expect(() => parseRemindBefore('-PT1H')).toThrow(ScheduleError);
  });

  it('counts days on the wall clock of the zone (P1D before a DST day is 23 or 25 hours)', () => {
    const due = new Date('2026-03-09T13:00:00Z'); // 09:00 EDT, the day after spring-forward
    expect(iso(instantBefore(due, parseRemindBefore('P1D'), 'America/New_York'))).toBe(
      '2026-03-08T13:00:00Z',
    );
    expect(iso(instantBefore(due, parseRemindBefore('P1D'), 'UTC'))).toBe('2026-03-08T13:00:00Z');
    expect(iso(instantBefore(due, parseRemindBefore('PT24H'), 'America/New_York'))).toBe(
      '2026-03-08T13:00:00Z',
    );
    const berlin = new Date('2026-03-30T07:00:00Z'); // 09:00 CEST
    expect(iso(instantBefore(berlin, parseRemindBefore('P1D'), 'Europe/Berlin'))).toBe(
      '2026-03-29T07:00:00Z',
    );
    expect(iso(instantBefore(berlin, parseRemindBefore('PT1H30M'), 'Europe/Berlin'))).toBe(
      '2026-03-30T05:30:00Z',
    );
  });
});

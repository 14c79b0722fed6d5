import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  nextRetryDelayMs,
  parseRetryAfter,
  parseRetrySchedule,
} from './retry-policy.js';

const schedule = [...DEFAULT_RETRY_SCHEDULE_SECONDS];
const mid = (): number => 0.5; // no jitter
const low = (): number => 0; // -20 %
const high = (): number => 0.999999; // +20 %

describe('retry policy', () => {
  it('follows the Svix schedule after the immediate first attempt, then dead', () => {
    const delays = schedule.map((_, i) =>
      nextRetryDelayMs({ schedule, attemptsMade: i + 1, errorClass: 'http_error', random: mid }),
    );
    expect(delays).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(
      nextRetryDelayMs({ schedule, attemptsMade: 8, errorClass: 'http_error', random: mid }),
    ).toBeNull();
  });

  it('jitters within ±20 %', () => {
    expect(
      nextRetryDelayMs({ schedule, attemptsMade: 2, errorClass: 'connection', random: low }),
    ).toBe(240_000);
    expect(
      nextRetryDelayMs({ schedule, attemptsMade: 2, errorClass: 'connection', random: high }),
    ).toBeCloseTo(360_000, -1);
  });

  it('waits at least 60 s after a 429 or timeout, but never more than twice the scheduled delay', () => {
    expect(
      nextRetryDelayMs({ schedule, attemptsMade: 1, errorClass: 'timeout', random: mid }),
    ).toBe(10_000);
    expect(
      nextRetryDelayMs({
        schedule: [30],
        attemptsMade: 1,
        errorClass: 'rate_limited',
        random: mid,
      }),
    ).toBe(60_000);
    expect(
      nextRetryDelayMs({
        schedule: [120],
        attemptsMade: 1,
        errorClass: 'rate_limited',
        random: low,
      }),
    ).toBe(96_000);
  });

  it('honours Retry-After within [jittered delay, 2 x scheduled]', () => {
    expect(
      nextRetryDelayMs({
        schedule,
        attemptsMade: 2,
        errorClass: 'rate_limited',
        retryAfterMs: 500_000,
        random: mid,
      }),
    ).toBe(500_000);
    expect(
      nextRetryDelayMs({
        schedule,
        attemptsMade: 2,
        errorClass: 'rate_limited',
        retryAfterMs: 9_999_000,
        random: mid,
      }),
    ).toBe(600_000);
    expect(
      nextRetryDelayMs({
        schedule,
        attemptsMade: 2,
        errorClass: 'rate_limited',
        retryAfterMs: 1_000,
        random: mid,
      }),
    ).toBe(300_000);
  });

  it('parses WEBHOOK_RETRY_SCHEDULE and Retry-After', () => {
    expect(parseRetrySchedule('1, 2,3')).toEqual([1, 2, 3]);
    expect(() => parseRetrySchedule('1,,2')).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => parseRetrySchedule('1,-2')).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The app's rate limits count in windows of the kernel `Clock`: moving a FakeClock a minute on
 * (and nothing else) ends a window. With `Date.now()` behind the counters these specs would have
 * to wait a real minute. The guards run in their own Node process (see the driver) over the
 * built app, wired by the app's own throttler options.
 */

const DRIVER = join(process.cwd(), 'test/support/rate-limit-driver.mjs');
const LIMITS = { perMinute: 3, authPerMinute: 2, preAuthPerMinute: 4 };

type Step =
  | { guard: 'perCaller' | 'preAuth'; request: { ip: string; url: string; userId?: string } }
  | { advanceMs: number };
interface Outcome {
  status: 'passed' | number;
  headers: Record<string, string>;
}

async function drive(steps: Step[]): Promise<Outcome[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [DRIVER, JSON.stringify([{ limits: LIMITS }, ...steps])],
    { cwd: process.cwd() },
  );
  const outcomes = JSON.parse(stdout) as Array<Outcome | { now: string }>;
  // Only the guards' answers: clock moves answer the new time.
  return outcomes.filter((o): o is Outcome => 'status' in o);
}

const times = <T>(n: number, step: T): T[] => Array.from({ length: n }, () => step);

describe('rate limits follow the kernel clock', () => {
  it('a caller over its limit gets 429 until the window ends, then is counted afresh', async () => {
    const alice: Step = {
      guard: 'perCaller',
      request: { ip: '203.0.113.7', url: '/v1/boards/:boardId', userId: 'alice' },
    };
    const bob: Step = {
      guard: 'perCaller',
      request: { ip: '203.0.113.7', url: '/v1/boards/:boardId', userId: 'bob' },
    };
    const outcomes = await drive([
      ...times(LIMITS.perMinute, alice),
      alice,
      bob,
      { advanceMs: 59_000 },
      alice,
      { advanceMs: 1_000 },
      alice,
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      ...times(LIMITS.perMinute, 'passed'),
      429,
      // Another caller (same address) has a window of its own.
      'passed',
      429,
      'passed',
    ]);
    expect(outcomes[0].headers).toEqual({
      'RateLimit-Limit': '3',
      'RateLimit-Remaining': '2',
      'RateLimit-Reset': '60',
    });
    expect(outcomes[LIMITS.perMinute].headers['Retry-After']).toBe('60');
    // A second before the window ends: one second to wait.
    expect(outcomes[LIMITS.perMinute + 2].headers['Retry-After']).toBe('1');
    expect(outcomes[LIMITS.perMinute + 3].headers['RateLimit-Remaining']).toBe('2');
  });

  it('register and login count per address, with their own limit, until the clock moves on', async () => {
    // Whoever claims to call: the address is what counts on login.
    const login = (userId: string): Step => ({
      guard: 'perCaller',
      request: { ip: '198.51.100.9', url: '/v1/auth/login', userId },
    });
    const outcomes = await drive([
      login('a'),
      login('b'),
      login('c'),
      { advanceMs: 60_000 },
      login('d'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 429, 'passed']);
  });

  it('the pre-authentication limit per address resets when the clock moves a minute on', async () => {
    const anonymous: Step = { guard: 'preAuth', request: { ip: '192.0.2.44', url: '/v1/me' } };
    const outcomes = await drive([
      ...times(LIMITS.preAuthPerMinute, anonymous),
      anonymous,
      { advanceMs: 30_000 },
      anonymous,
      { advanceMs: 30_000 },
      anonymous,
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      ...times(LIMITS.preAuthPerMinute, 'passed'),
      429,
      429,
      'passed',
    ]);
    expect(outcomes[LIMITS.preAuthPerMinute].headers).toMatchObject({
      'Retry-After': '60',
      'RateLimit-Remaining': '0',
    });
    expect(outcomes[LIMITS.preAuthPerMinute + 1].headers['Retry-After']).toBe('30');
  });
});

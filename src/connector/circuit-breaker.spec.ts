import {
  DEFAULT_BREAKER,
  INITIAL_BREAKER,
  recordOutcome,
  sendPermission,
  type BreakerSnapshot,
} from './circuit-breaker.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);

describe('circuit breaker', () => {
  it('stays closed under 10 attempts or under 70 % failures', () => {
    const nine = recordOutcome(INITIAL_BREAKER, false, { attempts: 9, failures: 9 }, t0);
    expect(nine.next.state).toBe('closed');
    const ratio = recordOutcome(INITIAL_BREAKER, false, { attempts: 10, failures: 6 }, t0);
    expect(ratio.next.state).toBe('closed');
    expect(ratio.next.failingSince).toEqual(t0);
  });

  it('opens at >= 10 attempts with >= 70 % failed, waits the cool-down, then probes once', () => {
    const opened = recordOutcome(INITIAL_BREAKER, false, { attempts: 10, failures: 7 }, t0).next;
    expect(opened).toMatchObject({ state: 'open', openedAt: t0 });
    expect(sendPermission(opened, at(DEFAULT_BREAKER.cooldownMs - 1))).toBe('wait');
    expect(sendPermission(opened, at(DEFAULT_BREAKER.cooldownMs))).toBe('probe');
    const probing: BreakerSnapshot = {
      ...opened,
      state: 'half_open',
      openedAt: at(DEFAULT_BREAKER.cooldownMs),
    };
    expect(sendPermission(probing, at(DEFAULT_BREAKER.cooldownMs + 1))).toBe('wait');
  });

  it('half-open: a successful probe closes, a failed one re-opens with a fresh cool-down', () => {
    const probing: BreakerSnapshot = { state: 'half_open', openedAt: at(60_000), failingSince: t0 };
    expect(recordOutcome(probing, true, { attempts: 1, failures: 0 }, at(61_000)).next).toEqual(
      INITIAL_BREAKER,
    );
    const reopened = recordOutcome(probing, false, { attempts: 1, failures: 1 }, at(61_000)).next;
    expect(reopened).toMatchObject({ state: 'open', openedAt: at(61_000), failingSince: t0 });
  });

  it('a probe whose instance died is retried after a further cool-down', () => {
    const probing: BreakerSnapshot = { state: 'half_open', openedAt: t0, failingSince: t0 };
    expect(sendPermission(probing, at(DEFAULT_BREAKER.cooldownMs * 2))).toBe('probe');
  });

  it('disables after failing continuously for the configured period, not before', () => {
    const failing: BreakerSnapshot = { state: 'open', openedAt: t0, failingSince: t0 };
    expect(
      recordOutcome(
        failing,
        false,
        { attempts: 1, failures: 1 },
        at(DEFAULT_BREAKER.disableAfterMs - 1),
      ).disable,
    ).toBe(false);
    expect(
      recordOutcome(
        failing,
        false,
        { attempts: 1, failures: 1 },
        at(DEFAULT_BREAKER.disableAfterMs),
      ).disable,
    ).toBe(true);
    const custom = { ...DEFAULT_BREAKER, disableAfterMs: 1000 };
    expect(
      recordOutcome(failing, false, { attempts: 1, failures: 1 }, at(1000), custom).disable,
    ).toBe(true);
  });
});

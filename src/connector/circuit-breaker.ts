/**
 * Per-connector circuit breaker, as a pure state machine; its state lives in the connector row
 * (shared by every instance) and the window counts come from the attempts table.
 *
 * closed --(>= minAttempts in the window and >= failureRatio failed)--> open
 * open --(cool-down elapsed; ONE instance wins the probe claim)--> half_open
 * half_open --(probe succeeds)--> closed;  --(probe fails)--> open (cool-down again)
 * any state, failing continuously (no success) for disableAfterMs --> disabled (connector off)
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerConfig {
  windowMs: number;
  minAttempts: number;
  failureRatio: number;
  cooldownMs: number;
  disableAfterMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = {
  windowMs: 5 * 60_000,
  minAttempts: 10,
  failureRatio: 0.7,
  cooldownMs: 60_000,
  disableAfterMs: 5 * 24 * 3_600_000,
};

export interface BreakerSnapshot {
  state: BreakerState;
  /** When the breaker last opened (or the probe started, in half_open). */
  openedAt: Date | null;
  /** First failure since the last success; null while the endpoint works. */
  failingSince: Date | null;
}

export interface AttemptWindow {
  /** Attempts in the window, including the one being recorded. */
  attempts: number;
  failures: number;
}

export interface BreakerTransition {
  next: BreakerSnapshot;
  /** The connector has failed for disableAfterMs: turn it off and record connector.disabled. */
  disable: boolean;
}

export const INITIAL_BREAKER: BreakerSnapshot = {
  state: 'closed',
  openedAt: null,
  failingSince: null,
};

/** The breaker after one attempt's outcome. */
export function recordOutcome(
  current: BreakerSnapshot,
  success: boolean,
  window: AttemptWindow,
  now: Date,
  config: BreakerConfig = DEFAULT_BREAKER,
): BreakerTransition {
  if (success) return { next: { ...INITIAL_BREAKER }, disable: false };
  const failingSince = current.failingSince ?? now;
  const disable = now.getTime() - failingSince.getTime() >= config.disableAfterMs;
  const tripped =
    current.state === 'half_open' ||
    current.state === 'open' ||
    (window.attempts >= config.minAttempts &&
      window.failures / window.attempts >= config.failureRatio);
  const next: BreakerSnapshot = tripped
    ? {
        state: 'open',
        // A failure already in flight when the breaker opened does not extend the cool-down.
        openedAt: current.state === 'open' && current.openedAt ? current.openedAt : now,
        failingSince,
      }
    : { state: 'closed', openedAt: null, failingSince };
  return { next, disable };
}

/** What a worker may do with this connector's due deliveries right now. */
export type SendPermission = 'send' | 'probe' | 'wait';

export function sendPermission(
  current: BreakerSnapshot,
  now: Date,
  config: BreakerConfig = DEFAULT_BREAKER,
): SendPermission {
  if (current.state === 'closed') return 'send';
  const since = current.openedAt ? now.getTime() - current.openedAt.getTime() : Infinity;
  if (current.state === 'open') return since >= config.cooldownMs ? 'probe' : 'wait';
  // half_open: a probe is out. If its instance died, another may probe after a further cool-down.
  return since >= config.cooldownMs * 2 ? 'probe' : 'wait';
}

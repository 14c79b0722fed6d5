import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../kernel/clock.js';

interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Fixed-window counters in memory, for a single instance: the same semantics as the Redis
 * storage (count per window, `blocked` once the count passes the limit, a block time for
 * Retry-After), in O(1) per request. The throttler's default in-memory storage keeps one
 * timestamp per hit and filters them all on every request, which costs a busy caller
 * milliseconds of CPU per request (see the board benchmark). Windows follow the injected
 * `Clock`, so a test that moves the clock sees a window end.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper = setInterval(() => this.evict(), SWEEP_INTERVAL_MS);

  constructor(private readonly clock: Clock) {
    this.sweeper.unref();
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const now = this.clock.nowMs();
    const id = `${name}:${key}`;
    let window = this.windows.get(id);
    if (!window || window.expiresAt <= now) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: window?.blockedUntil ?? 0 };
      this.windows.set(id, window);
    }
    window.hits += 1;
    const blocked = window.hits > limit;
    if (blocked && blockDuration > 0 && window.blockedUntil <= now) {
      window.blockedUntil = now + blockDuration;
    }
    return {
      totalHits: window.hits,
      timeToExpire: Math.ceil((window.expiresAt - now) / 1000),
      isBlocked: blocked,
      timeToBlockExpire: Math.ceil(Math.max(window.blockedUntil - now, 0) / 1000),
    };
  }

  /** Drops windows that are over and no longer block. */
  evict(): void {
    const now = this.clock.nowMs();
    for (const [id, window] of this.windows) {
      if (window.expiresAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
  }

  get size(): number {
    return this.windows.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

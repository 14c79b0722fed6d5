import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { authConfig, type AuthConfig } from '../config/app.config.js';
import { Clock } from '../kernel/clock.js';

/** Users remembered at most; beyond it the oldest entries are forgotten first. */
const MAX_REMEMBERED_USERS = 10_000;

/**
 * Whether the user behind a valid access token still exists, for the auth guard. An access
 * token outlives nothing it does not have to: a deleted account's token must stop working. The
 * answer "exists" is remembered for AUTH_USER_CACHE_SECONDS per process (one primary-key probe
 * per user per window on the hot path instead of one per request); "missing" is never
 * remembered, so it costs nothing to get right.
 */
@Injectable()
export class UserPresence {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  async exists(userId: string): Promise<boolean> {
    const now = this.clock.nowMs();
    const until = this.seen.get(userId);
    if (until !== undefined && until > now) return true;
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM users WHERE id = $1', [
      userId,
    ]);
    if (rows.length === 0) {
      this.seen.delete(userId);
      return false;
    }
    if (this.config.userCacheMs > 0) {
      this.seen.delete(userId);
      if (this.seen.size >= MAX_REMEMBERED_USERS) {
        const oldest = this.seen.keys().next().value;
        if (oldest !== undefined) this.seen.delete(oldest);
      }
      this.seen.set(userId, now + this.config.userCacheMs);
    }
    return true;
  }

  /** Forgets a user at once (account deletion in this process). */
  forget(userId: string): void {
    this.seen.delete(userId);
  }
}

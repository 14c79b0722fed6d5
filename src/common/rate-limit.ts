import {
  Inject,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerStorage,
  type ThrottlerAsyncOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { rateLimitConfig, type RateLimitConfig } from '../config/app.config.js';
import { Redis } from 'ioredis';
import { Clock } from '../kernel/clock.js';
import type { AuthenticatedRequest } from './auth.decorators.js';
import { MemoryThrottlerStorage } from './memory-throttler-storage.js';
import { PerHandler, routeFlag } from './per-handler.js';
import { callerScope } from './request-context.js';
import { CommonProblems } from './problem.js';

export const AUTH_THROTTLED_ROUTES = new Set(['/v1/auth/register', '/v1/auth/login']);

export function isAuthRoute(context: ExecutionContext): boolean {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return AUTH_THROTTLED_ROUTES.has(request.routeOptions.url ?? '');
}

/** Every limit counts requests per minute, in fixed windows. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** What `@SkipThrottle()` sets (health, metrics): probes are never limited. */
const SKIP_THROTTLE_KEY = 'THROTTLER:SKIPdefault';

/** A route's limit, decided on its first request (null: not limited). */
interface RouteLimit {
  /** Register and login: per IP, with their own limit and one window for both. */
  auth: boolean;
  limit: number;
}

/**
 * The per-caller limit: `RATE_LIMIT_PER_MINUTE` (or `AUTH_RATE_LIMIT_PER_MINUTE` on register
 * and login) in fixed windows of a minute, in the throttler module's storage (Redis when
 * configured), with the IETF `RateLimit-*` headers and a problem body for 429. Callers are
 * tracked by token or user when authenticated (by IP otherwise, and always on register/login),
 * one window per caller across all routes and one per address shared by register and login.
 * `@SkipThrottle()` exempts a route. Each route's limit is looked up once, on its first
 * request, not on every one (the package's guard resolves its options per request).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly routes: PerHandler<RouteLimit | null>;

  constructor(
    reflector: Reflector,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(rateLimitConfig.KEY) config: RateLimitConfig,
  ) {
    const skipped = routeFlag(reflector, SKIP_THROTTLE_KEY);
    this.routes = new PerHandler((context) => {
      if (skipped(context)) return null;
      const auth = isAuthRoute(context);
      return { auth, limit: auth ? config.authPerMinute : config.perMinute };
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.routes.of(context);
    if (!route) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const reply = http.getResponse<{ header(name: string, value: unknown): unknown }>();
    const { limit } = route;
    const key = route.auth
      ? `default:auth:ip:${request.ip}`
      : `default:${callerScope(request.principal, request.ip)}`;
    const record = await this.storage.increment(
      key,
      RATE_LIMIT_WINDOW_MS,
      limit,
      RATE_LIMIT_WINDOW_MS,
      'default',
    );
    if (record.isBlocked) {
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire || record.timeToExpire));
      throw CommonProblems.rateLimited(
        `Limit of ${limit} requests per window reached; retry in ${retryAfter} s.`,
        { headers: { 'Retry-After': String(retryAfter) } },
      );
    }
    reply.header('RateLimit-Limit', limit);
    reply.header('RateLimit-Remaining', Math.max(0, limit - record.totalHits));
    reply.header('RateLimit-Reset', record.timeToExpire);
    return true;
  }
}

/**
 * A per-IP limit that runs before authentication, so that a flood of invalid or random
 * tokens (or anonymous calls) gets 429 before any token is verified or looked up. It counts
 * every request of the IP, authenticated or not; the per-caller limit applies after it.
 */
@Injectable()
export class PreAuthRateLimitGuard implements CanActivate {
  /** `@SkipThrottle()` routes. */
  private readonly skipped: PerHandler<boolean>;

  constructor(
    reflector: Reflector,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(rateLimitConfig.KEY) private readonly config: RateLimitConfig,
  ) {
    this.skipped = new PerHandler(routeFlag(reflector, SKIP_THROTTLE_KEY));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.skipped.of(context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const limit = this.config.preAuthPerMinute;
    const record = await this.storage.increment(
      `ip:${request.ip}`,
      RATE_LIMIT_WINDOW_MS,
      limit,
      0,
      'pre-auth',
    );
    if (record.totalHits <= limit) return true;
    const retryAfter = Math.max(1, record.timeToExpire);
    throw CommonProblems.rateLimited(
      `More than ${limit} requests per minute from this address; retry in ${retryAfter} s.`,
      {
        headers: {
          'Retry-After': String(retryAfter),
          'RateLimit-Limit': String(limit),
          'RateLimit-Remaining': '0',
          'RateLimit-Reset': String(retryAfter),
        },
      },
    );
  }
}

/** Fixed-window counters in Redis, so limits hold across app instances. */
export class RedisThrottlerStorage implements ThrottlerStorage, OnModuleDestroy {
  private static readonly SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = 0
if hits > tonumber(ARGV[2]) then
  blocked = 1
  if tonumber(ARGV[3]) > 0 and redis.call('EXISTS', KEYS[2]) == 0 then
    redis.call('SET', KEYS[2], 1, 'PX', ARGV[3])
  end
end
local blockTtl = redis.call('PTTL', KEYS[2])
return {hits, ttl, blocked, blockTtl}`;

  private readonly logger = new Logger(RedisThrottlerStorage.name);

  constructor(private readonly redis: Redis) {
    // Without a listener ioredis reports a lost connection as an unhandled 'error' event; it
    // reconnects by itself, and commands failing meanwhile answer 503 (see the problem filter).
    redis.on('error', (err: Error & { code?: string }) =>
      this.logger.warn({ code: err.code, message: err.message }, 'redis connection error'),
    );
  }

  static fromUrl(url: string): RedisThrottlerStorage {
    return new RedisThrottlerStorage(
      new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }),
    );
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const [hits, ttlMs, blocked, blockTtlMs] = (await this.redis.eval(
      RedisThrottlerStorage.SCRIPT,
      2,
      `workdeck:rl:${name}:${key}`,
      `workdeck:rl:${name}:${key}:blocked`,
      String(ttl),
      String(limit),
      String(blockDuration),
    )) as [number, number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(Math.max(ttlMs, 0) / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(Math.max(blockTtlMs, 0) / 1000),
    };
  }

  get client(): Redis {
    return this.redis;
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/**
 * The per-caller throttler: `RATE_LIMIT_PER_MINUTE`, or `AUTH_RATE_LIMIT_PER_MINUTE` on register
 * and login. Fixed windows in memory unless Redis is configured (the package's default storage
 * is O(hits)); in memory, windows follow the kernel `Clock` (Redis expires keys on its own clock,
 * shared by every instance).
 */
export const throttlerModuleOptions: ThrottlerAsyncOptions = {
  inject: [rateLimitConfig.KEY, RedisThrottlerStorage, Clock],
  useFactory: (config: RateLimitConfig, redis: RedisThrottlerStorage | null, clock: Clock) => ({
    throttlers: [
      {
        name: 'default',
        ttl: RATE_LIMIT_WINDOW_MS,
        limit: (context) => (isAuthRoute(context) ? config.authPerMinute : config.perMinute),
      },
    ],
    storage: redis ?? new MemoryThrottlerStorage(clock),
  }),
};

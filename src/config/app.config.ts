import { registerAs, type ConfigType } from '@nestjs/config';
import { parseRetrySchedule } from '../connector/retry-policy.js';
import { validateEnv } from './env.schema.js';

/** Typed configuration namespaces, read once from the validated environment. */
export const appConfig = registerAs('app', () => {
  const env = validateEnv(process.env);
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    idempotencyTtlHours: env.IDEMPOTENCY_TTL_HOURS,
    outboxPollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
    backgroundJobs: env.BACKGROUND_JOBS,
    webhookAllowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    // The request timeout bounds the headers too, so it is never shorter than theirs.
    headersTimeoutMs: Math.min(env.HTTP_HEADERS_TIMEOUT_MS, env.HTTP_REQUEST_TIMEOUT_MS),
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
});

export const databaseConfig = registerAs('database', () => {
  const env = validateEnv(process.env);
  return {
    url: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    poolSize: env.DB_POOL_SIZE,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    migrationsRun: env.MIGRATIONS_RUN,
  };
});

export const rateLimitConfig = registerAs('rateLimit', () => {
  const env = validateEnv(process.env);
  return {
    perMinute: env.RATE_LIMIT_PER_MINUTE,
    authPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
    preAuthPerMinute: env.PRE_AUTH_RATE_LIMIT_PER_MINUTE,
    redisUrl: env.REDIS_URL,
  };
});

export const authConfig = registerAs('auth', () => {
  const env = validateEnv(process.env);
  return {
    jwtSecret: env.JWT_SECRET,
    dataDir: env.DATA_DIR,
    userCacheMs: env.AUTH_USER_CACHE_SECONDS * 1000,
  };
});

export const remindersConfig = registerAs('reminders', () => {
  const env = validateEnv(process.env);
  return {
    pollIntervalMs: env.REMINDER_POLL_INTERVAL_MS,
    batchSize: env.REMINDER_BATCH_SIZE,
    lateAfterMs: env.REMINDER_LATE_AFTER_SECONDS * 1000,
  };
});

export const connectorConfig = registerAs('connector', () => {
  const env = validateEnv(process.env);
  const hours = 3_600_000;
  return {
    allowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    allowedCidrs: env.WEBHOOK_ALLOWED_CIDRS.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    retryScheduleSeconds: parseRetrySchedule(env.WEBHOOK_RETRY_SCHEDULE),
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    secretKey: env.CONNECTOR_SECRET_KEY,
    dataDir: env.DATA_DIR,
    breakerCooldownMs: env.WEBHOOK_BREAKER_COOLDOWN_SECONDS * 1000,
    disableAfterMs: env.WEBHOOK_DISABLE_AFTER_HOURS * hours,
    concurrencyPerConnector: env.WEBHOOK_CONCURRENCY_PER_CONNECTOR,
    pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
    inboundPerMinute: env.INBOUND_RATE_LIMIT_PER_MINUTE,
  };
});

export const dashboardConfig = registerAs('dashboard', () => {
  const env = validateEnv(process.env);
  return { cacheEntries: env.DASHBOARD_CACHE_ENTRIES };
});

export type ConnectorConfig = ConfigType<typeof connectorConfig>;
export type AppConfig = ConfigType<typeof appConfig>;
export type RemindersConfig = ConfigType<typeof remindersConfig>;
export type DashboardConfig = ConfigType<typeof dashboardConfig>;
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
export type RateLimitConfig = ConfigType<typeof rateLimitConfig>;
export type AuthConfig = ConfigType<typeof authConfig>;

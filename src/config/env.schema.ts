import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';
import { isValidCidr } from '../connector/ssrf-guard.js';

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const JWT_SECRET_MIN_BYTES = 32;
const CIDR = String.raw`[0-9A-Fa-f:.]+\/\d{1,3}`;
const CIDR_LIST = new RegExp(String.raw`^$|^\s*${CIDR}\s*(,\s*${CIDR}\s*)*$`);

/**
 * The environment the process accepts. Names and defaults are part of the public contract
 * (README "Configuration"); a bad value stops the process with a line naming the variable.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV = 'development';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @IsOptional() @IsString() HOST = '0.0.0.0';

  @IsOptional()
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL?: string;

  @IsOptional() @IsString() DATA_DIR = './data';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500) DB_POOL_SIZE = 10;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) DB_STATEMENT_TIMEOUT_MS = 3000;
  @IsOptional() @Transform(toBool) @IsBoolean() MIGRATIONS_RUN = true;

  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL?: string;

  @IsOptional() @IsString() @MinLength(JWT_SECRET_MIN_BYTES) JWT_SECRET?: string;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Comma-separated list of allowed origins; empty means no cross-origin access. */
  @IsOptional()
  @Matches(/^(\s*https?:\/\/[^,\s]+\s*)(,\s*https?:\/\/[^,\s]+\s*)*$|^$/)
  CORS_ORIGINS = '';

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) BODY_LIMIT_BYTES = 1048576;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) RATE_LIMIT_PER_MINUTE = 600;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) AUTH_RATE_LIMIT_PER_MINUTE = 10;
  /** Requests per minute per client IP, counted before authentication (floods of bad tokens). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) PRE_AUTH_RATE_LIMIT_PER_MINUTE = 1200;
  /** How long a user's existence is remembered by the auth guard (0: checked every request). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) AUTH_USER_CACHE_SECONDS = 10;
  /** Time a client has to send the request line and headers. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) HTTP_HEADERS_TIMEOUT_MS = 10000;
  /** Time a client has to send the whole request, body included. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) HTTP_REQUEST_TIMEOUT_MS = 30000;
  /** How long an idle keep-alive connection stays open (longer than the proxy's idle timeout). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) HTTP_KEEP_ALIVE_TIMEOUT_MS = 65000;
  @IsOptional() @Transform(toBool) @IsBoolean() WEBHOOK_ALLOW_PRIVATE_TARGETS = false;
  /** Comma-separated CIDRs webhooks may reach in addition to public unicast. */
  @IsOptional()
  @Matches(CIDR_LIST, { message: 'must be a comma-separated list of CIDRs' })
  WEBHOOK_ALLOWED_CIDRS = '';
  /** Seconds before each retry (the first attempt is immediate): N entries, N+1 attempts. */
  @IsOptional()
  @Matches(/^\s*\d+(\.\d+)?\s*(,\s*\d+(\.\d+)?\s*)*$/)
  WEBHOOK_RETRY_SCHEDULE = '5,300,1800,7200,18000,36000,36000';
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) WEBHOOK_TIMEOUT_MS = 15000;
  /** Base64 of 32 bytes; encrypts connector secrets at rest. Generated into DATA_DIR in development. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be base64 of 32 bytes' })
  CONNECTOR_SECRET_KEY?: string;
  /** How long an open circuit breaker waits before probing the endpoint again. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) WEBHOOK_BREAKER_COOLDOWN_SECONDS = 60;
  /** A connector failing continuously for this long is disabled (default 5 days). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) WEBHOOK_DISABLE_AFTER_HOURS = 120;
  /** Attempts in flight per connector and instance, so one slow endpoint cannot starve others. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) WEBHOOK_CONCURRENCY_PER_CONNECTOR = 4;
  /** How often each instance's delivery worker looks for due deliveries when idle. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) WEBHOOK_POLL_INTERVAL_MS = 500;
  /** Inbound hook requests per connector and minute. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) INBOUND_RATE_LIMIT_PER_MINUTE = 120;
  /** How long a stored idempotency record is kept, in hours. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) IDEMPOTENCY_TTL_HOURS = 24;
  /** Seconds a SIGTERM drain may take before the process exits anyway. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) SHUTDOWN_TIMEOUT_SECONDS = 10;
  /** How often each instance's reminder scheduler looks for due reminders (re-polls at once while batches are full). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60_000) REMINDER_POLL_INTERVAL_MS = 500;
  /** Reminders claimed and fired per claim transaction. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(5000) REMINDER_BATCH_SIZE = 500;
  /** An occurrence that fires more than this many seconds after its time is marked `late`. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) REMINDER_LATE_AFTER_SECONDS = 60;
  /** How often an idle outbox consumer polls for committed events (backs off to 4x). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60000) OUTBOX_POLL_INTERVAL_MS = 250;
  /** Whether this instance runs background work (consumers, schedulers, deliveries). */
  @IsOptional() @Transform(toBool) @IsBoolean() BACKGROUND_JOBS = true;
  /** Dashboard and board-metrics answers each instance keeps per kind (0: compute every request). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100_000) DASHBOARD_CACHE_ENTRIES = 256;
}

export class ConfigValidationError extends Error {}

/** Validates `process.env`; throws with one line per bad variable, each naming it. */
export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  // Empty strings mean "unset" so that `FOO= npm start` behaves like not setting FOO.
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    throw new ConfigValidationError(
      `JWT_SECRET: required when NODE_ENV=production (at least ${JWT_SECRET_MIN_BYTES} bytes)`,
    );
  }
  const badCidr = env.WEBHOOK_ALLOWED_CIDRS.split(',')
    .map((c) => c.trim())
    .find((c) => c !== '' && !isValidCidr(c));
  if (badCidr !== undefined) {
    errors.push(
      Object.assign(new ValidationError(), {
        property: 'WEBHOOK_ALLOWED_CIDRS',
        value: badCidr,
        constraints: { cidr: 'not a valid CIDR' },
      }),
    );
  }
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `${e.property}: invalid value ${JSON.stringify(e.value)} (${Object.values(e.constraints ?? {}).join('; ')})`,
    );
    throw new ConfigValidationError(lines.join('\n'));
  }
  if (env.NODE_ENV === 'production' && !env.CONNECTOR_SECRET_KEY) {
    throw new ConfigValidationError(
      'CONNECTOR_SECRET_KEY: required when NODE_ENV=production (base64 of 32 bytes)',
    );
  }
  return env;
}

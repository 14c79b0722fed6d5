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
} from 'class-validator';

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const JWT_SECRET_MIN_BYTES = 32;

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
  /** How long a stored idempotency record is kept, in hours. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) IDEMPOTENCY_TTL_HOURS = 24;
  /** Seconds a SIGTERM drain may take before the process exits anyway. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) SHUTDOWN_TIMEOUT_SECONDS = 10;
  /** How often an idle outbox consumer polls for committed events (backs off to 4x). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60000) OUTBOX_POLL_INTERVAL_MS = 250;
  /** Whether this instance runs background work (consumers, schedulers, deliveries). */
  @IsOptional() @Transform(toBool) @IsBoolean() BACKGROUND_JOBS = true;
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
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `${e.property}: invalid value ${JSON.stringify(e.value)} (${Object.values(e.constraints ?? {}).join('; ')})`,
    );
    throw new ConfigValidationError(lines.join('\n'));
  }
  return env;
}

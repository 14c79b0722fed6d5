import { ConfigValidationError, validateEnv } from './env.schema.js';

describe('validateEnv', () => {
  it('applies the documented defaults', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      DATA_DIR: './data',
      DB_POOL_SIZE: 10,
      DB_STATEMENT_TIMEOUT_MS: 3000,
      MIGRATIONS_RUN: true,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1048576,
      RATE_LIMIT_PER_MINUTE: 600,
      AUTH_RATE_LIMIT_PER_MINUTE: 10,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: false,
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('parses numbers and booleans from strings', () => {
    expect(validateEnv({ PORT: '8080', MIGRATIONS_RUN: 'false' })).toMatchObject({
      PORT: 8080,
      MIGRATIONS_RUN: false,
    });
  });

  it('treats empty values as unset', () => {
    const env = validateEnv({ PORT: '', DATABASE_URL: '' });
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'nonsense'],
    ['BODY_LIMIT_BYTES', '1.5'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => validateEnv({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('requires a long JWT secret in production', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(ConfigValidationError);
    expect(() => validateEnv({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) })).toThrow(
      /JWT_SECRET/,
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(
      validateEnv({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), CONNECTOR_SECRET_KEY: key })
        .JWT_SECRET,
    ).toHaveLength(32);
  });

  it('requires CONNECTOR_SECRET_KEY (base64 of 32 bytes) in production', () => {
    const jwt = 'x'.repeat(32);
    expect(() => validateEnv({ NODE_ENV: 'production', JWT_SECRET: jwt })).toThrow(
      /CONNECTOR_SECRET_KEY/,
    );
    expect(() => validateEnv({ CONNECTOR_SECRET_KEY: 'short' })).toThrow(/CONNECTOR_SECRET_KEY/);
  });

  it('validates the webhook variables, naming the bad one', () => {
    expect(
      validateEnv({ WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/8, fd00::/8' }).WEBHOOK_ALLOWED_CIDRS,
    ).toBe('10.0.0.0/8, fd00::/8');
    expect(() => validateEnv({ WEBHOOK_ALLOWED_CIDRS: '10.0.0.0/33' })).toThrow(
      /WEBHOOK_ALLOWED_CIDRS/,
    );
    expect(() => validateEnv({ WEBHOOK_RETRY_SCHEDULE: '5,,6' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
    expect(() => validateEnv({ WEBHOOK_TIMEOUT_MS: '5' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});

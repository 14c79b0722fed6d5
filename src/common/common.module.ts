import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  authConfig,
  rateLimitConfig,
  type AuthConfig,
  type RateLimitConfig,
} from '../config/app.config.js';
import { resolveJwtSecret } from '../config/jwt-secret.js';
import { setCursorSigningKey } from '../kernel/keyset.js';
import { MetricsService } from '../kernel/metrics.js';
import { IdempotencyPurgeJob } from './idempotency-purge.job.js';
import { IdempotencyRecordEntity } from './idempotency-record.entity.js';
import { JWT_SECRET } from './kernel-tokens.js';
import { RedisThrottlerStorage } from './rate-limit.js';

export { JWT_SECRET } from './kernel-tokens.js';

/** The HTTP kernel's shared services, available to every module. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyRecordEntity]), ScheduleModule.forRoot()],
  providers: [
    MetricsService,
    IdempotencyPurgeJob,
    {
      provide: JWT_SECRET,
      inject: [authConfig.KEY],
      useFactory: (config: AuthConfig) => {
        const secret = resolveJwtSecret(config.jwtSecret, config.dataDir);
        // List cursors are signed with a key derived from the JWT secret, never the secret itself.
        setCursorSigningKey(`cursor:${secret}`);
        return secret;
      },
    },
    {
      provide: RedisThrottlerStorage,
      inject: [rateLimitConfig.KEY],
      useFactory: (config: RateLimitConfig) =>
        config.redisUrl ? RedisThrottlerStorage.fromUrl(config.redisUrl) : null,
    },
  ],
  exports: [MetricsService, JWT_SECRET, RedisThrottlerStorage],
})
export class CommonModule {}

import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { LoggerModule } from 'nestjs-pino';
import { AuditLogModule } from './audit/audit-log.module.js';
import { AuditModule } from './audit/audit.module.js';
import { BoardModule } from './board/board.module.js';
import { CommonModule } from './common/common.module.js';
import { ConnectorModule } from './connector/connector.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import {
  PreAuthRateLimitGuard,
  RateLimitGuard,
  throttlerModuleOptions,
} from './common/rate-limit.js';
import { RequestContext } from './common/request-context.js';
import { validationPipe } from './common/validation.js';
import {
  appConfig,
  authConfig,
  databaseConfig,
  rateLimitConfig,
  type AppConfig,
} from './config/app.config.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DatabaseModule } from './database/database.module.js';
import { AuthGuard } from './identity/auth.guard.js';
import { IdentityModule } from './identity/identity.module.js';
import { KernelModule } from './kernel/kernel.module.js';
import { NotesModule } from './notes/notes.module.js';
import { RemindersModule } from './reminders/reminders.module.js';
import { OpsModule } from './ops/ops.module.js';
import { Tracing } from './tracing/tracing.js';

/** Log fields that never reach a log line. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.*.password',
  '*.*.token',
  '*.*.secret',
];

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [appConfig, databaseConfig, rateLimitConfig, authConfig],
    }),
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) => ({
        // No per-request middleware (it cost a child logger, a redaction pass and an async
        // context per request): the root logger below is the only one. Lines logged while a
        // request runs carry its id from RequestContext (the mixin); the access line is
        // written once per response by `logAccess` (app.factory.ts).
        forRoutes: [],
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
          // Every line logged inside a request names it, and inside a traced request its
          // trace and span.
          mixin: () => {
            const requestId = RequestContext.current()?.requestId;
            return requestId === undefined
              ? Tracing.logFields()
              : { requestId, ...Tracing.logFields() };
          },
        },
      }),
    }),
    ThrottlerModule.forRootAsync(throttlerModuleOptions),
    DatabaseModule,
    CommonModule,
    KernelModule,
    OpsModule,
    AuditModule,
    IdentityModule,
    AuditLogModule,
    BoardModule,
    NotesModule,
    RemindersModule,
    DashboardModule,
    ConnectorModule,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_PIPE, useValue: validationPipe },
    // Guards run in this order: how often this address calls (before any token is checked),
    // who is calling, then how often this caller calls.
    { provide: APP_GUARD, useClass: PreAuthRateLimitGuard },
    { provide: APP_GUARD, useExisting: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    // No global interceptor: Nest wraps every route with one in observables and an async
    // resource per request. The request's context and ETags are Fastify hooks (app.factory.ts);
    // the idempotency interceptor is bound only to the routes it applies to (`@Route`).
  ],
})
export class AppModule {}

import { randomBytes } from 'node:crypto';
import {
  Global,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type Type,
} from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyRecordEntity } from '../../src/common/idempotency-record.entity.js';
import { ApiTokenEntity } from '../../src/identity/api-token.entity.js';
import { MembershipEntity } from '../../src/identity/membership.entity.js';
import { RefreshTokenEntity } from '../../src/identity/refresh-token.entity.js';
import { UserEntity } from '../../src/identity/user.entity.js';
import { WorkspaceEntity } from '../../src/identity/workspace.entity.js';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { JWT_SECRET } from '../../src/common/kernel-tokens.js';
import { MetricsService } from '../../src/kernel/metrics.js';
import { setCursorSigningKey } from '../../src/kernel/keyset.js';
import {
  appConfig,
  authConfig,
  databaseConfig,
  rateLimitConfig,
} from '../../src/config/app.config.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { newId } from '../../src/database/uuid.js';
import { Clock, FakeClock } from '../../src/kernel/clock.js';
import { FakeHttpClient, HttpClient } from '../../src/kernel/http-client.js';
import { KernelModule } from '../../src/kernel/kernel.module.js';
import { KERNEL_OPTIONS, OutboxConsumerRunner } from '../../src/kernel/outbox-consumers.js';
import type { Role } from '../../src/kernel/roles.js';
import type { Actor } from '../../src/kernel/actor.js';
import { onRealPostgres } from './app.js';

export interface HarnessOptions {
  /** The feature modules under test (the kernel, database and config come with the harness). */
  imports?: Array<Type<unknown> | DynamicModule>;
  clock?: FakeClock;
  http?: FakeHttpClient;
  /** Start background loops (outbox consumers, schedulers)? Default false: tests drive them. */
  background?: boolean;
  /** Extra environment for the app's configuration (e.g. REMINDER_BATCH_SIZE). */
  env?: Record<string, string>;
}

export interface SeededWorkspace {
  workspaceId: string;
  /** One user per requested role, in order; `actors[i]` acts as that user. */
  users: Array<{ userId: string; role: Role; actor: Actor }>;
}

export interface Harness {
  app: INestApplicationContext;
  clock: FakeClock;
  http: FakeHttpClient;
  dataSource: DataSource;
  get<T>(token: Type<T> | string | symbol): T;
  /** A workspace with one member per role (default: one owner), inserted directly. */
  seedWorkspace(roles?: Role[]): Promise<SeededWorkspace>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `consumer` until it has applied the whole event chain of `workspaceId` (bounded). The
   * e2e specs' apps share the run's database and run the same consumers: one of them may hold
   * the chain's cursor while it applies a batch, and a drain here skips a locked cursor.
   */
  settle(consumer: string, workspaceId: string): Promise<void>;
  close(): Promise<void>;
}

const HARNESS_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/**
 * The kernel's shared services without the HTTP-only parts (rate limiting, whose throttler
 * package Jest cannot load here): metrics, cursors, the JWT secret, the scheduler registry.
 */
@Global()
@Module({
  imports: [
    ScheduleModule.forRoot(),
    // Identity's tables: every tenant-owned table points at them.
    TypeOrmModule.forFeature([
      UserEntity,
      WorkspaceEntity,
      MembershipEntity,
      ApiTokenEntity,
      RefreshTokenEntity,
      IdempotencyRecordEntity,
    ]),
  ],
  providers: [
    MetricsService,
    {
      provide: JWT_SECRET,
      useFactory: () => {
        setCursorSigningKey(`cursor:${HARNESS_SECRET}`);
        return HARNESS_SECRET;
      },
    },
  ],
  exports: [MetricsService, JWT_SECRET],
})
class HarnessCoreModule {}

const TEST_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: HARNESS_SECRET,
  DB_POOL_SIZE: '6',
  DB_STATEMENT_TIMEOUT_MS: '10000',
};

/**
 * Boots a module set in this process, with the real kernel and database (the run's PostgreSQL
 * when DATABASE_URL was given, else an in-memory PGlite with every migration applied) and the
 * clock and outbound HTTP replaced, so schedulers and deliveries can be driven step by step.
 * No HTTP listener: call services directly (e2e specs cover HTTP).
 */
export async function bootHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new FakeClock(Date.now());
  const http = options.http ?? new FakeHttpClient();
  const env: Record<string, string> = {
    ...TEST_ENV,
    ...(onRealPostgres()
      ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, MIGRATIONS_RUN: 'false' }
      : {
          DATABASE_URL: '',
          DATA_DIR: `memory://harness-${randomBytes(4).toString('hex')}`,
          MIGRATIONS_RUN: 'true',
        }),
    ...options.env,
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [appConfig, databaseConfig, rateLimitConfig, authConfig],
        }),
        DatabaseModule,
        HarnessCoreModule,
        KernelModule,
        ...(options.imports ?? []),
      ],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .overrideProvider(HttpClient)
      .useValue(http)
      .overrideProvider(KERNEL_OPTIONS)
      .useValue({ background: options.background ?? false, outboxPollIntervalMs: 20 })
      .compile();
    const app = await moduleRef.init();
    const dataSource = app.get(DataSource);
    const query = <T>(sql: string, params: unknown[] = []) =>
      dataSource.query(sql, params) as Promise<T[]>;
    return {
      app,
      clock,
      http,
      dataSource,
      get: <T>(token: Type<T> | string | symbol) => app.get<T>(token as Type<T>, { strict: false }),
      query,
      async seedWorkspace(roles: Role[] = ['owner']) {
        const workspaceId = newId();
        const users = roles.map((role) => {
          const userId = newId();
          return { userId, role, actor: { type: 'user', userId } as Actor };
        });
        await dataSource.transaction(async (em) => {
          for (const u of users) {
            await em.query(
              `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, 'x')`,
              [u.userId, `${u.userId}@example.test`, `User ${u.role}`],
            );
          }
          await em.query(`INSERT INTO workspaces (id, name, created_by) VALUES ($1, $2, $3)`, [
            workspaceId,
            `Workspace ${workspaceId.slice(-6)}`,
            users[0].userId,
          ]);
          for (const u of users) {
            await em.query(
              `INSERT INTO memberships (id, workspace_id, user_id, role) VALUES ($1, $2, $3, $4)`,
              [newId(), workspaceId, u.userId, u.role],
            );
          }
        });
        return { workspaceId, users };
      },
      async settle(consumer: string, workspaceId: string) {
        const chainKey = `ws:${workspaceId}`;
        for (let i = 0; i < 400; i += 1) {
          await app.get(OutboxConsumerRunner).drain(consumer);
          const [{ behind }] = await query<{ behind: boolean }>(
            `SELECT COALESCE((SELECT last_seq FROM audit_chain_heads WHERE chain_key = $2), 0)
                  > COALESCE((SELECT last_seq FROM outbox_cursors
                               WHERE consumer = $1 AND chain_key = $2), 0) AS behind`,
            [consumer, chainKey],
          );
          if (!behind) return;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`${consumer} did not apply the chain of ${workspaceId} within 10 s`);
      },
      close: () => app.close(),
    };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  }
}

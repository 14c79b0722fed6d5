import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  HealthIndicatorService,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { Public } from '../common/auth.decorators.js';
import { ApiProblems } from '../common/openapi.js';
import { CommonProblems } from '../common/problem.js';
import { RedisThrottlerStorage } from '../common/rate-limit.js';
import { MetricsService } from '../kernel/metrics.js';

const DB_PING_TIMEOUT_MS = 1500;

const CHECKS_SCHEMA = {
  type: 'object',
  description: 'Per dependency (`database`, `redis`): its state.',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['up', 'down'] },
      responseTime: { type: 'integer', description: 'Milliseconds the check took.' },
      message: { type: 'string' },
    },
  },
  example: { database: { status: 'up' } },
};

const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    info: CHECKS_SCHEMA,
    error: CHECKS_SCHEMA,
    details: CHECKS_SCHEMA,
  },
};

/** Liveness, readiness and Prometheus metrics; unauthenticated and never rate limited. */
@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(RedisThrottlerStorage) private readonly redis?: RedisThrottlerStorage,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
  })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  // Terminus would document its own 503 body; ours is the `unavailable` problem (with `checks`).
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'The database (and Redis, when configured) answer',
    description:
      'For load balancers and orchestrators: 200 when every dependency answers, else the ' +
      '`unavailable` problem (503) with the state of each check in `checks`.',
  })
  @ApiOkResponse({ schema: READINESS_SCHEMA })
  @ApiProblems(503)
  async ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.db.pingCheck('database', { timeout: DB_PING_TIMEOUT_MS }),
    ];
    const redis = this.redis;
    if (redis) {
      checks.push(async () => {
        const indicator = this.indicators.check('redis');
        try {
          await redis.client.ping();
          return indicator.up();
        } catch (err) {
          return indicator.down({ message: (err as Error).message });
        }
      });
    }
    try {
      return await this.health.check(checks);
    } catch (err) {
      const details = (err as { response?: { details?: unknown } }).response?.details;
      throw CommonProblems.unavailable('Not ready: a dependency does not answer.', {
        checks: details,
      });
    }
  }
}

@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  async scrape(): Promise<string> {
    const pool = (
      this.dataSource.driver as unknown as {
        master?: { totalCount?: number; idleCount?: number; waitingCount?: number };
      }
    ).master;
    if (pool) {
      this.metrics.dbPoolConnections.set({ state: 'total' }, pool.totalCount ?? 0);
      this.metrics.dbPoolConnections.set({ state: 'idle' }, pool.idleCount ?? 0);
      this.metrics.dbPoolConnections.set({ state: 'waiting' }, pool.waitingCount ?? 0);
    }
    return this.metrics.registry.metrics();
  }
}

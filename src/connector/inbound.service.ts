import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ProblemException, type FieldError } from '../common/problem.js';
import { MemoryThrottlerStorage } from '../common/memory-throttler-storage.js';
import { RedisThrottlerStorage } from '../common/rate-limit.js';
import { CommonProblems } from '../common/problem.js';
import { TransactionHost } from '../database/transaction-host.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { newId } from '../database/uuid.js';
import { Clock, SystemActors } from '../kernel/index.js';
import { ConnectorRuntime } from './connector-runtime.js';
import { INBOUND_DELIVERY_ID_MAX } from './connector.constants.js';
import { ConnectorProblems } from './connector.errors.js';
import type { ConnectorRow } from './connector.queries.js';
import { CONNECTOR_COLUMNS } from './connector.queries.js';
import type { InboundAcceptedDto } from './dto/connector.dto.js';
import { MappingError } from './inbound-mapping.js';
import { INBOUND_TARGETS, type InboundTarget } from './inbound-targets.js';
import type { InboundHeaders } from './inbound-verifiers.js';
import { connectorType } from './types/connector-types.js';

const MINUTE_MS = 60_000;
const THROTTLER_NAME = 'inbound';
const REASON_MAX = 2000;

export type InboundResult = { status: 200 | 202; body: InboundAcceptedDto };

/**
 * The inbound pipeline: rate limit per connector, signature on the raw bytes, replay key,
 * mapping, then the target's create as `system:connector:<id>` in the same transaction as the
 * stored inbound event (so a concurrent duplicate is caught by the unique replay key and has
 * no second effect). A failed mapping or invalid body is stored as a failed event (422).
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);
  private readonly targets: Map<string, InboundTarget>;
  private readonly limiter: MemoryThrottlerStorage | RedisThrottlerStorage;

  constructor(
    private readonly tx: TransactionHost,
    private readonly clock: Clock,
    private readonly runtime: ConnectorRuntime,
    @Inject(INBOUND_TARGETS) targets: InboundTarget[],
    @Optional() redisLimiter?: RedisThrottlerStorage | null,
  ) {
    this.targets = new Map(targets.map((t) => [t.target, t]));
    this.limiter = redisLimiter ?? new MemoryThrottlerStorage(clock);
  }

  async receive(
    connectorId: string,
    headers: InboundHeaders,
    raw: Buffer | undefined,
  ): Promise<InboundResult> {
    const [row] = (await this.tx.manager.query(
      `SELECT ${CONNECTOR_COLUMNS} FROM connectors t WHERE t.id = $1`,
      [connectorId],
    )) as ConnectorRow[];
    const type = row ? connectorType(row.kind) : undefined;
    if (!row || type?.direction !== 'inbound')
      throw CommonProblems.notFound('Connector not found.');
    await this.rateLimit(connectorId);
    if (!row.enabled) throw ConnectorProblems.connectorDisabled('This connector is disabled.');
    const now = this.clock.now();
    const body = raw ?? Buffer.alloc(0);
    const settings = { url: row.url, events: row.events, config: row.config };
    const verdict = type.verify(settings, this.runtime.activeSecrets(row, now), headers, body, now);
    if (!verdict.ok) {
      await this.store(row, {
        deliveryId: null,
        verified: false,
        result: 'rejected',
        reason: verdict.reason,
      });
      throw ConnectorProblems.invalidSignature(`Signature check failed: ${verdict.reason}.`);
    }
    verdict.deliveryId = verdict.deliveryId.slice(0, INBOUND_DELIVERY_ID_MAX);
    const replayed = await this.previous(row, verdict.deliveryId);
    if (replayed) return { status: 200, body: replayed };

    let mapped;
    try {
      mapped = await type.map(settings, JSON.parse(body.toString('utf8')) as unknown);
    } catch (err) {
      const reason = err instanceof MappingError ? err.message : 'body is not valid JSON';
      return this.fail(row, verdict.deliveryId, reason, []);
    }
    const target = this.targets.get(mapped.target);
    if (!target || target.available === false) {
      return this.fail(
        row,
        verdict.deliveryId,
        `target ${mapped.target} is not available on this server`,
        [],
      );
    }
    const actor = SystemActors.connector(row.id, row.workspaceId);
    try {
      return await this.tx.run(async () => {
        const eventId = newId();
        // The replay key first: a concurrent copy of this delivery waits here, then fails.
        await this.insertEvent(
          row,
          eventId,
          verdict.deliveryId,
          true,
          'created',
          null,
          target.entityType,
          null,
        );
        const created = await target.create(actor, row.workspaceId, mapped.placement, mapped.body);
        await this.tx.manager.query('UPDATE inbound_events SET entity_id = $2 WHERE id = $1', [
          eventId,
          created.id,
        ]);
        return { status: 202 as const, body: { eventId, entityId: created.id } };
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        const again = await this.previous(row, verdict.deliveryId);
        if (again) return { status: 200, body: again };
      }
      if (err instanceof ProblemException && err.status < 500) {
        const errors = err.extras.errors ?? [];
        return this.fail(row, verdict.deliveryId, err.detail, errors);
      }
      throw err;
    }
  }

  private async rateLimit(connectorId: string): Promise<void> {
    const limit = this.runtime.config.inboundPerMinute;
    const { isBlocked, timeToExpire } = await this.limiter.increment(
      `connector:${connectorId}`,
      MINUTE_MS,
      limit,
      0,
      THROTTLER_NAME,
    );
    if (isBlocked) {
      const retryAfter = Math.max(1, Math.ceil(timeToExpire));
      throw CommonProblems.rateLimited(`This hook accepts ${limit} requests per minute.`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
  }

  private async previous(
    row: ConnectorRow,
    deliveryId: string,
  ): Promise<InboundAcceptedDto | null> {
    const [found] = (await this.tx.manager.query(
      `SELECT id, entity_id AS "entityId" FROM inbound_events
        WHERE connector_id = $1 AND delivery_id = $2 AND verified`,
      [row.id, deliveryId],
    )) as Array<{ id: string; entityId: string | null }>;
    return found ? { eventId: found.id, entityId: found.entityId } : null;
  }

  /** Stores a verified event whose mapping or body failed, and answers 422 with the reason. */
  private async fail(
    row: ConnectorRow,
    deliveryId: string,
    reason: string,
    errors: FieldError[],
  ): Promise<never> {
    const detail =
      errors.length > 0
        ? `${reason} (${errors.map((e) => `${e.field}: ${e.message}`).join('; ')})`
        : reason;
    try {
      await this.store(row, { deliveryId, verified: true, result: 'failed', reason: detail });
    } catch (err) {
      // A concurrent copy stored it first: the same answer applies.
      if (!isUniqueViolation(err)) throw err;
    }
    throw ConnectorProblems.mappingFailed(detail, { errors });
  }

  private store(
    row: ConnectorRow,
    e: { deliveryId: string | null; verified: boolean; result: string; reason: string },
  ): Promise<void> {
    return this.insertEvent(row, newId(), e.deliveryId, e.verified, e.result, e.reason, null, null);
  }

  private async insertEvent(
    row: ConnectorRow,
    id: string,
    deliveryId: string | null,
    verified: boolean,
    result: string,
    reason: string | null,
    entityType: string | null,
    entityId: string | null,
  ): Promise<void> {
    await this.tx.manager.query(
      `INSERT INTO inbound_events (id, workspace_id, connector_id, delivery_id, received_at, verified, result,
              reason, entity_type, entity_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        row.workspaceId,
        row.id,
        deliveryId,
        this.clock.now(),
        verified,
        result,
        reason?.slice(0, REASON_MAX) ?? null,
        entityType,
        entityId,
      ],
    );
    if (!verified) this.logger.warn({ connectorId: row.id, reason }, 'inbound request rejected');
  }
}

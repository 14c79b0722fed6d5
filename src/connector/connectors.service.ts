import { Injectable } from '@nestjs/common';
import { exportBatch, type ExportPosition } from '../audit/audit.queries.js';
import { toAuditEventResponse } from '../audit/audit.mappers.js';
import type { Page } from '../common/pagination.js';
import { CommonProblems, type FieldError } from '../common/problem.js';
import { deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import { newId } from '../database/uuid.js';
import {
  deliverableEvents,
  matchesSubscription,
  WorkspaceUnitOfWork,
  type Actor,
  type WorkspaceScope,
} from '../kernel/index.js';
import { generateWebhookSecret } from './connector-secrets.js';
import { ROTATION_GRACE_MS } from './connector.constants.js';
import { ConnectorProblems } from './connector.errors.js';
import { ConnectorEvents, PING_EVENT_TYPE } from './connector.events.js';
import {
  toAttemptResponse,
  toConnectorResponse,
  toDeliveryResponse,
  toInboundEventResponse,
} from './connector.mappers.js';
import {
  CONNECTOR_COLUMNS,
  DELIVERY_COLUMNS,
  ConnectorList,
  Connectors,
  connectorStats,
  Deliveries,
  DeliveryList,
  InboundEventList,
  rowsOf,
  type AttemptRow,
  type ConnectorRow,
  type DeliveryRow,
} from './connector.queries.js';
import { ConnectorRuntime } from './connector-runtime.js';
import { ConnectorEntity } from './entities/connector.entity.js';
import type {
  ConnectorResponseDto,
  ConnectorWithSecretDto,
  CreateConnectorDto,
  DeliveryDetailDto,
  DeliveryResponseDto,
  InboundEventResponseDto,
  ListDeliveriesQueryDto,
  ReplayDto,
  ReplayResponseDto,
  UpdateConnectorDto,
} from './dto/connector.dto.js';
import type { PageQueryDto } from '../common/pagination.js';
import type { ConnectorEvent, ConnectorSettings, ConnectorType } from './types/connector-type.js';
import { connectorKinds, connectorType } from './types/connector-types.js';

/** Replays read the log in batches of this many events. */
const REPLAY_BATCH = 500;
/** Past every chain's tip: replays read whatever has committed. */
const ANY_SEQ = '9223372036854775807';

const DESCRIBED_FIELDS = [
  'name',
  'description',
  'kind',
  'enabled',
  'url',
  'events',
  'config',
] as const;

/** Connectors: CRUD, secrets, tests, replays, and the delivery and inbound-event views. */
@Injectable()
export class ConnectorsService {
  constructor(
    private readonly uow: WorkspaceUnitOfWork,
    private readonly runtime: ConnectorRuntime,
  ) {}

  async create(
    actor: Actor,
    workspaceId: string,
    dto: CreateConnectorDto,
  ): Promise<ConnectorWithSecretDto> {
    const type = this.typeOf(dto.kind);
    // Settings are checked (DNS included) before the transaction opens: no I/O holds it.
    const settings = await this.parseSettings(type, dto);
    return this.uow.write(actor, { workspaceId }, 'admin', async (s) => {
      const id = newId();
      const secret = generateWebhookSecret();
      const now = s.now();
      const [row] = await s.query<ConnectorRow>(
        `INSERT INTO connectors AS t (id, workspace_id, name, description, kind, enabled, subscribed_since,
                url, events, config, secret_sealed, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $7, $7)
         RETURNING ${CONNECTOR_RETURNING}`,
        [
          id,
          s.workspaceId,
          dto.name,
          dto.description ?? null,
          type.kind,
          dto.enabled ?? true,
          now,
          settings.url,
          settings.events,
          JSON.stringify(settings.config),
          this.runtime.box.seal(secret, id),
          s.userId,
        ],
      );
      s.record(ConnectorEvents.created, id, describeChanges(null, row));
      return { ...toConnectorResponse(row, EMPTY_STATS), secret };
    });
  }

  async list(
    actor: Actor,
    workspaceId: string,
    query: PageQueryDto,
  ): Promise<Page<ConnectorResponseDto>> {
    return this.uow.read(actor, { workspaceId }, 'viewer', async (s) => {
      const page = await ConnectorList.fetch(
        s,
        {
          select: `SELECT ${CONNECTOR_SELECT} FROM connectors t`,
          where: 't.workspace_id = $1',
          params: [s.workspaceId],
          cursor: query.cursor,
          limit: query.limit,
        },
        (r) => r,
      );
      const stats = await connectorStats(
        s,
        page.data.map((r) => r.id),
      );
      return {
        ...page,
        data: page.data.map((r) => toConnectorResponse(r, stats.get(r.id) ?? EMPTY_STATS)),
      };
    });
  }

  get(actor: Actor, connectorId: string): Promise<ConnectorResponseDto> {
    return this.uow.read(actor, Connectors.ref(connectorId), 'viewer', (s) =>
      this.respond(s, s.row),
    );
  }

  async update(
    actor: Actor,
    connectorId: string,
    dto: UpdateConnectorDto,
    ifMatch: number | undefined,
  ): Promise<ConnectorResponseDto> {
    // Read, validate the merged settings (DNS) outside a transaction, then write conditionally
    // on the version read: a change committed in between is a 409/412, never overwritten.
    const before = await this.uow.read(
      actor,
      Connectors.ref(connectorId),
      'admin',
      async (s) => s.row,
    );
    const type = this.typeOf(before.kind);
    const changesSettings =
      dto.url !== undefined ||
      dto.events !== undefined ||
      dto.verifier !== undefined ||
      dto.mapping !== undefined;
    const stored = storedInput(before);
    const settings = changesSettings
      ? await this.parseSettings(type, {
          url: dto.url ?? stored.url,
          events: dto.events ?? stored.events,
          verifier: dto.verifier ?? stored.verifier,
          mapping: dto.mapping ?? stored.mapping,
        })
      : { url: before.url, events: before.events, config: before.config };
    return this.uow.write(actor, Connectors.ref(connectorId), 'admin', async (s) => {
      const now = s.now();
      const enabling = dto.enabled === true && !before.enabled;
      const resubscribing = enabling || !sameEvents(before.events, settings.events);
      const values: Record<string, unknown> = {
        ...(dto.name !== undefined ? { name: dto.name } : {}),
        ...(dto.description !== undefined ? { description: dto.description } : {}),
        ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
        url: settings.url,
        events: settings.events,
        config: settings.config,
        // Events committed before (re-)subscribing are never queued.
        ...(resubscribing ? { subscribedSince: now } : {}),
        // A connector switched back on starts with a closed breaker and a clean record.
        ...(enabling ? { breakerState: 'closed', breakerOpenedAt: null, failingSince: null } : {}),
      };
      await updateVersioned(s.em, ConnectorEntity, connectorId, before.version, ifMatch, values);
      const [after] = await s.query<ConnectorRow>(
        `SELECT ${CONNECTOR_SELECT} FROM connectors t WHERE t.workspace_id = $1 AND t.id = $2`,
        [s.workspaceId, connectorId],
      );
      const changes = describeChanges(before, after);
      if (Object.keys(changes).length > 0) s.record(ConnectorEvents.updated, connectorId, changes);
      return this.respond(s, after);
    });
  }

  remove(actor: Actor, connectorId: string, ifMatch: number | undefined): Promise<void> {
    return this.uow.write(actor, Connectors.ref(connectorId), 'admin', async (s) => {
      await deleteVersioned(s.em, ConnectorEntity, connectorId, s.row.version, ifMatch);
      s.record(ConnectorEvents.deleted, connectorId, { name: { from: s.row.name, to: null } });
    });
  }

  rotateSecret(actor: Actor, connectorId: string): Promise<ConnectorWithSecretDto> {
    return this.uow.write(actor, Connectors.ref(connectorId), 'admin', async (s) => {
      const secret = generateWebhookSecret();
      const expires = new Date(s.now().getTime() + ROTATION_GRACE_MS);
      const [row] = rowsOf(
        (await s.query<ConnectorRow>(
          `UPDATE connectors t SET previous_secret_sealed = t.secret_sealed, previous_secret_expires_at = $3,
                secret_sealed = $4, version = t.version + 1, updated_at = $5
          WHERE t.workspace_id = $1 AND t.id = $2
          RETURNING ${CONNECTOR_RETURNING}`,
          [
            s.workspaceId,
            connectorId,
            expires,
            this.runtime.box.seal(secret, connectorId),
            s.now(),
          ],
        )) as unknown as ConnectorRow[] | [ConnectorRow[], number],
      );
      // The secrets themselves never reach the log: only when the old one stops signing.
      s.record(ConnectorEvents.secretRotated, connectorId, {
        previousSecretExpiresAt: { from: null, to: expires.toISOString() },
      });
      const response = await this.respond(s, row);
      return { ...response, secret };
    });
  }

  /** Queues a `connector.ping` delivery, sent by the workers like any other. */
  test(actor: Actor, connectorId: string): Promise<DeliveryResponseDto> {
    return this.uow.write(actor, Connectors.ref(connectorId), 'admin', async (s) => {
      const type = this.outbound(s.row);
      if (!s.row.enabled) throw ConnectorProblems.connectorDisabled('The connector is disabled.');
      const now = s.now();
      const ping: ConnectorEvent = {
        id: newId(),
        workspaceId: s.workspaceId,
        action: PING_EVENT_TYPE,
        entityType: 'connector',
        entityId: connectorId,
        actor: auditActorOf(s),
        changes: {},
        occurredAt: now.toISOString(),
      };
      const [row] = await s.query<DeliveryRow>(
        `INSERT INTO deliveries AS t (id, workspace_id, connector_id, event_id, event_type, body, status,
                next_attempt_at, event_occurred_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $7, $7)
         RETURNING ${DELIVERY_RETURNING}`,
        [newId(), s.workspaceId, connectorId, ping.id, PING_EVENT_TYPE, type.render(ping), now],
      );
      return toDeliveryResponse(row);
    });
  }

  /**
   * Queues again every deliverable event of [from, to) that matches the subscription and
   * committed while the connector subscribed. An event delivered before is sent again with the
   * same `webhook-id` (receivers de-duplicate by it).
   */
  replay(actor: Actor, connectorId: string, dto: ReplayDto): Promise<ReplayResponseDto> {
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (!(from < to)) {
      throw CommonProblems.validationFailed('`from` must be before `to`.', {
        errors: [{ field: 'to', message: 'to must be after from' }],
      });
    }
    return this.uow.write(actor, Connectors.ref(connectorId), 'admin', async (s) => {
      const type = this.outbound(s.row);
      const deliverable = new Set(deliverableEvents().map((e) => e.action));
      const since = new Date(Math.max(from.getTime(), new Date(s.row.subscribedSince).getTime()));
      const now = s.now();
      let after: ExportPosition | undefined;
      let count = 0;
      for (;;) {
        const batch = await exportBatch(
          s.em,
          s.workspaceId,
          { from: since, to, tipSeq: ANY_SEQ },
          after,
          REPLAY_BATCH,
        );
        const events = batch
          .map((e) => toAuditEventResponse(e))
          .filter(
            (e) =>
              deliverable.has(e.action) &&
              s.row.events.some((p) => matchesSubscription(p, e.action)),
          );
        if (events.length > 0) {
          await s.query(
            `INSERT INTO deliveries (id, workspace_id, connector_id, event_id, event_type, body, status,
                    next_attempt_at, event_occurred_at, created_at, updated_at)
             SELECT u.id, $1, $2, u.event_id, u.event_type, u.body, 'pending', $3, u.occurred_at, $3, $3
               FROM unnest($4::uuid[], $5::uuid[], $6::varchar[], $7::text[], $8::timestamptz[])
                    AS u(id, event_id, event_type, body, occurred_at)
             ON CONFLICT (connector_id, event_id) DO UPDATE
               SET status = 'pending', schedule_step = 0, next_attempt_at = $3, claim_token = NULL, updated_at = $3`,
            [
              s.workspaceId,
              connectorId,
              now,
              events.map(() => newId()),
              events.map((e) => e.id),
              events.map((e) => e.action),
              events.map((e) => type.render(toConnectorEvent(e))),
              events.map((e) => e.occurredAt),
            ],
          );
          count += events.length;
        }
        if (batch.length < REPLAY_BATCH) break;
        const last = batch[batch.length - 1];
        after = { occurredAt: last.occurredAt, seq: String(last.seq) };
      }
      s.record(ConnectorEvents.replayed, connectorId, {
        replay: { from: null, to: { from: from.toISOString(), to: to.toISOString(), count } },
      });
      return { count };
    });
  }

  listDeliveries(
    actor: Actor,
    connectorId: string,
    query: ListDeliveriesQueryDto,
  ): Promise<Page<DeliveryResponseDto>> {
    return this.uow.read(actor, Connectors.ref(connectorId), 'viewer', async (s) => {
      this.outbound(s.row);
      return DeliveryList.fetch(
        s,
        {
          select: `SELECT ${DELIVERY_SELECT} FROM deliveries t`,
          where:
            't.workspace_id = $1 AND t.connector_id = $2 AND ($3::varchar IS NULL OR t.status = $3)',
          params: [s.workspaceId, connectorId, query.status ?? null],
          cursor: query.cursor,
          limit: query.limit,
        },
        toDeliveryResponse,
      );
    });
  }

  getDelivery(actor: Actor, deliveryId: string): Promise<DeliveryDetailDto> {
    return this.uow.read(actor, Deliveries.ref(deliveryId), 'viewer', async (s) => {
      const attempts = await s.query<AttemptRow>(
        `SELECT a.at, a.status_code AS "statusCode", a.latency_ms AS "latencyMs",
                a.error_class AS "errorClass", a.response_body AS "responseBody"
           FROM delivery_attempts a
          WHERE a.workspace_id = $1 AND a.delivery_id = $2
          ORDER BY a.at, a.id`,
        [s.workspaceId, deliveryId],
      );
      return { ...toDeliveryResponse(s.row), attempts: attempts.map(toAttemptResponse) };
    });
  }

  /** Sends a failed or dead delivery again now, with the same `webhook-id`, from the start of the schedule. */
  retry(actor: Actor, deliveryId: string): Promise<DeliveryResponseDto> {
    return this.uow.write(actor, Deliveries.ref(deliveryId), 'admin', async (s) => {
      const [row] = rowsOf(
        (await s.query<DeliveryRow>(
          `UPDATE deliveries t SET status = 'pending', schedule_step = 0, next_attempt_at = $3,
                claim_token = NULL, updated_at = $3
          WHERE t.workspace_id = $1 AND t.id = $2 AND t.status IN ('failed', 'dead')
          RETURNING ${DELIVERY_RETURNING}`,
          [s.workspaceId, deliveryId, s.now()],
        )) as unknown as DeliveryRow[] | [DeliveryRow[], number],
      );
      if (row) return toDeliveryResponse(row);
      const [current] = await s.query<{ status: string }>(
        'SELECT status FROM deliveries WHERE workspace_id = $1 AND id = $2',
        [s.workspaceId, deliveryId],
      );
      if (current?.status === 'succeeded')
        throw ConnectorProblems.deliverySucceeded('This delivery succeeded.');
      throw ConnectorProblems.deliveryPending('This delivery is already queued.');
    });
  }

  listInboundEvents(
    actor: Actor,
    connectorId: string,
    query: PageQueryDto,
  ): Promise<Page<InboundEventResponseDto>> {
    return this.uow.read(actor, Connectors.ref(connectorId), 'viewer', async (s) => {
      if (connectorType(s.row.kind)?.direction !== 'inbound') {
        throw ConnectorProblems.wrongConnectorKind('Only inbound connectors receive events.');
      }
      return InboundEventList.fetch(
        s,
        {
          select: `SELECT t.id, t.connector_id AS "connectorId", t.delivery_id AS "deliveryId",
                          t.received_at AS "receivedAt", t.verified, t.result, t.reason,
                          t.entity_type AS "entityType", t.entity_id AS "entityId"
                     FROM inbound_events t`,
          where: 't.workspace_id = $1 AND t.connector_id = $2',
          params: [s.workspaceId, connectorId],
          cursor: query.cursor,
          limit: query.limit,
        },
        toInboundEventResponse,
      );
    });
  }

  private async respond(
    s: WorkspaceScope<unknown>,
    row: ConnectorRow,
  ): Promise<ConnectorResponseDto> {
    const stats = await connectorStats(s, [row.id]);
    return toConnectorResponse(row, stats.get(row.id) ?? EMPTY_STATS);
  }

  private typeOf(kind: string): ConnectorType {
    const type = connectorType(kind);
    if (!type) {
      throw CommonProblems.validationFailed(`Unknown connector kind "${kind}".`, {
        errors: [{ field: 'kind', message: `kind must be one of ${connectorKinds().join(', ')}` }],
      });
    }
    return type;
  }

  private outbound(row: ConnectorRow) {
    const type = connectorType(row.kind);
    if (type?.direction !== 'outbound') {
      throw ConnectorProblems.wrongConnectorKind(
        'This is an inbound connector: it has no deliveries.',
      );
    }
    return type;
  }

  private async parseSettings(
    type: ConnectorType,
    input: Parameters<ConnectorType['parseSettings']>[0],
  ): Promise<ConnectorSettings> {
    const parsed = await type.parseSettings(input, this.runtime.settingsContext);
    if (!parsed.ok) throw invalid(parsed.errors);
    return parsed.settings;
  }
}

const EMPTY_STATS = { successRate24h: null, deadDeliveries: 0 };

const CONNECTOR_SELECT = CONNECTOR_COLUMNS;
const CONNECTOR_RETURNING = CONNECTOR_COLUMNS;
const DELIVERY_SELECT = DELIVERY_COLUMNS;
const DELIVERY_RETURNING = DELIVERY_COLUMNS;

function invalid(errors: FieldError[]): Error {
  return CommonProblems.validationFailed(errors.map((e) => e.message).join('; '), { errors });
}

function sameEvents(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
}

function storedInput(row: ConnectorRow) {
  const config = row.config as {
    verifier?: string;
    mapping?: { target: string; boardId?: string; columnId?: string; expression: string };
  };
  return { url: row.url, events: row.events, verifier: config.verifier, mapping: config.mapping };
}

/** What changed, for the log: described fields only (the type's config, never a secret). */
function describeChanges(
  before: ConnectorRow | null,
  after: ConnectorRow,
): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of DESCRIBED_FIELDS) {
    const from = before ? before[field] : null;
    const to = after[field];
    if (JSON.stringify(from) !== JSON.stringify(to))
      changes[field] = { from: from ?? null, to: to ?? null };
  }
  return changes;
}

function auditActorOf(s: WorkspaceScope<unknown>): { type: string; id: string | null } {
  const a = s.actor;
  if (a.type === 'user') return { type: 'user', id: a.userId };
  if (a.type === 'token') return { type: 'token', id: a.tokenId };
  return { type: 'system', id: a.name };
}

/** The event log's JSON shape as connector types see it. */
export function toConnectorEvent(e: {
  id: string;
  workspaceId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: { type: string; id: string | null };
  changes: Record<string, { from: unknown; to: unknown }>;
  occurredAt: string;
}): ConnectorEvent {
  return {
    id: e.id,
    workspaceId: e.workspaceId ?? '',
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    actor: { type: e.actor.type, id: e.actor.id },
    changes: e.changes,
    occurredAt: e.occurredAt,
  };
}

import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Counter } from 'prom-client';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import {
  Clock,
  HttpClient,
  KERNEL_OPTIONS,
  MetricsService,
  SystemActors,
  WorkspaceUnitOfWork,
  type KernelOptions,
} from '../kernel/index.js';
import {
  recordOutcome,
  type BreakerConfig,
  type BreakerSnapshot,
  type BreakerState,
  DEFAULT_BREAKER,
} from './circuit-breaker.js';
import { RESPONSE_BODY_MAX_BYTES } from './connector.constants.js';
import { rowsOf } from './connector.queries.js';
import { ConnectorEvents } from './connector.events.js';
import { ConnectorRuntime } from './connector-runtime.js';
import { nextRetryDelayMs, parseRetryAfter, type AttemptErrorClass } from './retry-policy.js';
import { resolveTarget, SSRF_BLOCKED } from './ssrf-guard.js';
import { CONNECTOR_TYPES } from './types/connector-types.js';
import { signWebhook } from './webhook-signing.js';

/** Sends in flight per instance, over all connectors. */
const MAX_IN_FLIGHT = 64;
/** A claimed delivery's lease runs this long past the attempt's timeout. */
const LEASE_MARGIN_MS = 30_000;
const USER_AGENT = 'workdeck-webhooks/1';
const HTTP_OK_MIN = 200;
const HTTP_OK_MAX = 299;
const HTTP_REDIRECT_MIN = 300;
const HTTP_REDIRECT_MAX = 399;
const HTTP_GONE = 410;
const HTTP_TOO_MANY = 429;

interface ClaimedDelivery {
  id: string;
  workspaceId: string;
  connectorId: string;
  eventId: string;
  body: string;
  scheduleStep: number;
  claimToken: string;
  url: string;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
}

interface Outcome {
  success: boolean;
  statusCode: number | null;
  errorClass: AttemptErrorClass | null;
  responseBody: string | null;
  retryAfterMs: number | null;
  latencyMs: number;
}

/**
 * Delivery workers, one loop per instance. Each claim is one short transaction that picks due
 * deliveries of enabled connectors whose breaker lets them send, with FOR UPDATE SKIP LOCKED
 * (instances never wait for or take each other's rows) and at most the per-connector cap of
 * unexpired leases, then leases them (new `claim_token`, `next_attempt_at` pushed past the
 * timeout). Sending happens outside any transaction; the result is recorded only if the lease
 * is still ours, so a delivery is never attempted twice at once, and a crashed instance's
 * leases simply expire (at least once). Time comes from the app Clock, passed explicitly.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly outboundKinds = CONNECTOR_TYPES.filter((t) => t.direction === 'outbound').map(
    (t) => t.kind,
  );
  private readonly breaker: BreakerConfig;
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly outcomes: Counter<'outcome'> | null;

  constructor(
    private readonly tx: TransactionHost,
    private readonly uow: WorkspaceUnitOfWork,
    private readonly http: HttpClient,
    private readonly clock: Clock,
    private readonly runtime: ConnectorRuntime,
    @Optional() metrics?: MetricsService,
    @Optional() @Inject(KERNEL_OPTIONS) private readonly kernel?: KernelOptions,
  ) {
    this.breaker = {
      ...DEFAULT_BREAKER,
      cooldownMs: runtime.config.breakerCooldownMs,
      disableAfterMs: runtime.config.disableAfterMs,
    };
    this.outcomes = metrics ? deliveryCounter(metrics) : null;
  }

  onApplicationBootstrap(): void {
    if (this.kernel?.background === false) return;
    this.loopDone = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims what is due now and attempts it, waiting for every attempt (tests, repairs). */
  async runOnce(): Promise<number> {
    const claimed = await this.claim(MAX_IN_FLIGHT);
    await Promise.all(claimed.map((d) => this.attempt(d)));
    return claimed.length;
  }

  /** Lets an idle loop look for due deliveries now (new deliveries were just committed). */
  poke(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0;
      try {
        const room = MAX_IN_FLIGHT - this.inFlight.size;
        if (room > 0) {
          const batch = await this.claim(room);
          claimed = batch.length;
          for (const d of batch) this.track(this.attempt(d));
        }
      } catch (err) {
        this.logger.error({ err }, 'delivery claim failed');
      }
      if (claimed === 0 || this.inFlight.size >= MAX_IN_FLIGHT)
        await this.sleep(this.runtime.config.pollIntervalMs);
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p
      .catch((err: unknown) => this.logger.error({ err }, 'delivery attempt failed to record'))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.wake?.();
      });
    this.inFlight.add(tracked);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One claim transaction; returns the leased deliveries with what sending them needs. */
  async claim(max: number): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
    const cap = this.runtime.config.concurrencyPerConnector;
    const cooldownMs = this.breaker.cooldownMs;
    return this.tx.run(async (em) => {
      const candidates = (await em.query(
        `WITH eligible AS (
           SELECT c.id, c.breaker_state
             FROM connectors c
            WHERE c.enabled AND c.kind = ANY($2::varchar[])
              AND (c.breaker_state = 'closed'
                   OR (c.breaker_state = 'open' AND c.breaker_opened_at <= $1::timestamptz - make_interval(secs => $3 / 1000.0))
                   OR (c.breaker_state = 'half_open' AND c.breaker_opened_at <= $1::timestamptz - make_interval(secs => $3 * 2 / 1000.0)))
              AND EXISTS (SELECT 1 FROM deliveries y WHERE y.connector_id = c.id
                             AND y.status IN ('pending', 'failed') AND y.next_attempt_at <= $1))
         SELECT d.id, e.id AS "connectorId", e.breaker_state AS "breakerState"
           FROM eligible e
           CROSS JOIN LATERAL (
             SELECT d.id FROM deliveries d
              WHERE d.connector_id = e.id AND d.status IN ('pending', 'failed') AND d.next_attempt_at <= $1
              ORDER BY d.next_attempt_at
              LIMIT $4
              FOR UPDATE SKIP LOCKED) d
          LIMIT $5`,
        [now, this.outboundKinds, cooldownMs, cap, max * 2],
      )) as Array<{ id: string; connectorId: string; breakerState: BreakerState }>;
      if (candidates.length === 0) return [];

      // Per connector: the room under the cap (closed), or one probe (open / stale half-open).
      const byConnector = new Map<string, typeof candidates>();
      for (const c of candidates)
        byConnector.set(c.connectorId, [...(byConnector.get(c.connectorId) ?? []), c]);
      // The cap holds across instances: claimers of one connector take turns on its row (a
      // connector being claimed elsewhere right now is skipped this round, never waited for),
      // and the leases are counted after the lock, in a fresh snapshot.
      const locked = rowsOf(
        (await em.query(
          `SELECT id FROM connectors WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`,
          [[...byConnector.keys()]],
        )) as Array<{ id: string }>,
      ).map((r) => r.id);
      for (const id of [...byConnector.keys()]) if (!locked.includes(id)) byConnector.delete(id);
      if (byConnector.size === 0) return [];
      const leases = new Map(
        (
          (await em.query(
            `SELECT connector_id AS "connectorId", count(*)::int AS leased FROM deliveries
              WHERE connector_id = ANY($1::uuid[]) AND status IN ('pending', 'failed')
                AND claim_token IS NOT NULL AND next_attempt_at > $2
              GROUP BY connector_id`,
            [locked, now],
          )) as Array<{ connectorId: string; leased: number }>
        ).map((r) => [r.connectorId, r.leased]),
      );
      const probing = [...byConnector.values()]
        .filter((l) => l[0].breakerState !== 'closed')
        .map((l) => l[0].connectorId);
      const wonProbe = new Set<string>();
      if (probing.length > 0) {
        // Compare-and-set: of several instances, one moves the breaker to half_open and probes.
        const won = (await em.query(
          `UPDATE connectors SET breaker_state = 'half_open', breaker_opened_at = $2
            WHERE id = ANY($1::uuid[])
              AND ((breaker_state = 'open' AND breaker_opened_at <= $2::timestamptz - make_interval(secs => $3 / 1000.0))
                OR (breaker_state = 'half_open' AND breaker_opened_at <= $2::timestamptz - make_interval(secs => $3 * 2 / 1000.0)))
            RETURNING id`,
          [probing, now, cooldownMs],
        )) as [Array<{ id: string }>, number] | Array<{ id: string }>;
        for (const r of rowsOf(won)) wonProbe.add(r.id);
      }
      const chosen: string[] = [];
      for (const [connectorId, list] of byConnector) {
        const room =
          list[0].breakerState === 'closed'
            ? Math.max(0, cap - (leases.get(connectorId) ?? 0))
            : wonProbe.has(connectorId)
              ? 1
              : 0;
        chosen.push(...list.slice(0, room).map((c) => c.id));
      }
      const picked = chosen.slice(0, max);
      if (picked.length === 0) return [];
      const token = newId();
      const leaseUntil = new Date(now.getTime() + this.runtime.config.timeoutMs + LEASE_MARGIN_MS);
      const leased = (await em.query(
        `UPDATE deliveries d SET claim_token = $2, next_attempt_at = $3, attempt_count = d.attempt_count + 1,
                updated_at = $4
           FROM connectors c
          WHERE d.id = ANY($1::uuid[]) AND c.id = d.connector_id
          RETURNING d.id, d.workspace_id AS "workspaceId", d.connector_id AS "connectorId", d.event_id AS "eventId",
                    d.body, d.schedule_step AS "scheduleStep", d.claim_token AS "claimToken", c.url,
                    c.secret_sealed AS "secretSealed", c.previous_secret_sealed AS "previousSecretSealed",
                    c.previous_secret_expires_at AS "previousSecretExpiresAt"`,
        [picked, token, leaseUntil, now],
      )) as [ClaimedDelivery[], number] | ClaimedDelivery[];
      return rowsOf(leased);
    });
  }

  /** Sends one claimed delivery and records the outcome. */
  async attempt(d: ClaimedDelivery): Promise<void> {
    const at = this.clock.now();
    const started = performance.now();
    // A secret that does not open (another deployment's key) is a configuration error, not an
    // endpoint failure: it throws, is logged, and the lease lets the delivery come back later.
    const secrets = this.runtime.activeSecrets({ ...d, id: d.connectorId }, at);
    let outcome: Omit<Outcome, 'latencyMs'>;
    try {
      const address = await resolveTarget(d.url, this.runtime.policy);
      const response = await this.http.send(
        {
          method: 'POST',
          url: d.url,
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            ...signWebhook(d.eventId, at, d.body, secrets),
          },
          body: d.body,
          timeoutMs: this.runtime.config.timeoutMs,
          address,
        },
        RESPONSE_BODY_MAX_BYTES,
      );
      outcome = classifyResponse(
        response.status,
        response.body,
        response.headers['retry-after'],
        at,
      );
    } catch (err) {
      outcome = {
        success: false,
        statusCode: null,
        errorClass: classifyError(err),
        responseBody: null,
        retryAfterMs: null,
      };
    }
    const result = { ...outcome, latencyMs: Math.round(performance.now() - started) };
    this.outcomes?.inc({ outcome: result.success ? 'succeeded' : (result.errorClass ?? 'failed') });
    await this.record(d, at, result);
  }

  /** The attempt row, the delivery's next state (if our lease holds) and the breaker, in one transaction. */
  private async record(d: ClaimedDelivery, at: Date, o: Outcome): Promise<void> {
    const actor = SystemActors.named('connectors', d.workspaceId);
    await this.uow.write(actor, { workspaceId: d.workspaceId }, 'member', async (s) => {
      const now = this.clock.now();
      // A failure reads and moves the breaker: lock the connector row FIRST (NO KEY UPDATE,
      // which the attempt's foreign-key share lock does not conflict with), so that concurrent
      // results of one connector queue here instead of deadlocking.
      const [c] = o.success
        ? [null]
        : await s.query<{
            state: BreakerState;
            openedAt: Date | null;
            failingSince: Date | null;
            enabled: boolean;
          }>(
            `SELECT breaker_state AS state, breaker_opened_at AS "openedAt", failing_since AS "failingSince", enabled
               FROM connectors WHERE id = $1 FOR NO KEY UPDATE`,
            [d.connectorId],
          );
      await s.query(
        `INSERT INTO delivery_attempts (id, workspace_id, delivery_id, connector_id, at, success, status_code,
                latency_ms, error_class, response_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          newId(),
          d.workspaceId,
          d.id,
          d.connectorId,
          at,
          o.success,
          o.statusCode,
          o.latencyMs,
          o.errorClass,
          o.responseBody,
        ],
      );
      const gone = o.errorClass === 'gone';
      const delay =
        o.success || gone
          ? null
          : nextRetryDelayMs({
              schedule: this.runtime.config.retryScheduleSeconds,
              attemptsMade: d.scheduleStep + 1,
              errorClass: o.errorClass ?? 'http_error',
              retryAfterMs: o.retryAfterMs,
            });
      const status = o.success ? 'succeeded' : delay === null ? 'dead' : 'failed';
      await s.query(
        `UPDATE deliveries SET status = $3, schedule_step = schedule_step + 1, claim_token = NULL,
                next_attempt_at = $4, updated_at = $5
          WHERE id = $1 AND claim_token = $2`,
        [d.id, d.claimToken, status, delay === null ? null : new Date(now.getTime() + delay), now],
      );
      if (o.success) {
        await s.query(
          `UPDATE connectors SET last_success_at = $2, breaker_state = 'closed', breaker_opened_at = NULL,
                  failing_since = NULL
            WHERE id = $1`,
          [d.connectorId, now],
        );
        return;
      }
      if (!c) return; // deleted meanwhile
      const [w] = await s.query<{ attempts: number; failures: number }>(
        `SELECT count(*)::int AS attempts, count(*) FILTER (WHERE NOT success)::int AS failures
           FROM delivery_attempts WHERE connector_id = $1 AND at > $2`,
        [d.connectorId, new Date(now.getTime() - this.breaker.windowMs)],
      );
      const snapshot: BreakerSnapshot = {
        state: c.state,
        openedAt: c.openedAt,
        failingSince: c.failingSince,
      };
      const { next, disable } = recordOutcome(snapshot, false, w, now, this.breaker);
      const disabling = c.enabled && (disable || gone);
      await s.query(
        `UPDATE connectors SET last_failure_at = $2, breaker_state = $3, breaker_opened_at = $4, failing_since = $5,
                enabled = enabled AND NOT $6
          WHERE id = $1`,
        [d.connectorId, now, next.state, next.openedAt, next.failingSince, disabling],
      );
      if (disabling) {
        s.record(ConnectorEvents.disabled, d.connectorId, {
          enabled: { from: true, to: false },
          reason: { from: null, to: gone ? 'endpoint answered 410 Gone' : 'failing continuously' },
        });
        this.logger.warn({ connectorId: d.connectorId, gone }, 'connector disabled');
      }
    });
  }
}

function classifyResponse(
  status: number,
  body: string,
  retryAfter: string | undefined,
  at: Date,
): Omit<Outcome, 'latencyMs'> {
  const responseBody = body.length > 0 ? body : null;
  if (status >= HTTP_OK_MIN && status <= HTTP_OK_MAX) {
    return {
      success: true,
      statusCode: status,
      errorClass: null,
      responseBody,
      retryAfterMs: null,
    };
  }
  const errorClass: AttemptErrorClass =
    status === HTTP_GONE
      ? 'gone'
      : status === HTTP_TOO_MANY
        ? 'rate_limited'
        : status >= HTTP_REDIRECT_MIN && status <= HTTP_REDIRECT_MAX
          ? 'redirect'
          : 'http_error';
  return {
    success: false,
    statusCode: status,
    errorClass,
    responseBody,
    retryAfterMs: parseRetryAfter(retryAfter, at),
  };
}

function classifyError(err: unknown): AttemptErrorClass {
  const code = (err as { code?: string } | null)?.code;
  if (code === SSRF_BLOCKED) return 'ssrf_blocked';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  return 'connection';
}

function deliveryCounter(metrics: MetricsService): Counter<'outcome'> {
  const name = 'workdeck_webhook_attempts_total';
  const existing = metrics.registry.getSingleMetric(name) as Counter<'outcome'> | undefined;
  return (
    existing ??
    new Counter({
      name,
      help: 'Webhook delivery attempts by outcome (succeeded or the error class)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    })
  );
}

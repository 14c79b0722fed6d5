import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import {
  Clock,
  deliverableEvents,
  matchesSubscription,
  OutboxConsumer,
  type OutboxEvent,
  type OutboxHandler,
} from '../kernel/index.js';
import { toConnectorEvent } from './connectors.service.js';
import { DeliveryWorker } from './delivery.worker.js';
import { connectorType, CONNECTOR_TYPES } from './types/connector-types.js';

export const FANOUT_CONSUMER = 'connectors.fanout';
const FANOUT_BATCH = 200;

interface Subscriber {
  id: string;
  workspaceId: string;
  kind: string;
  events: string[];
  subscribedSince: Date;
}

/**
 * Turns committed events into deliveries. Runs inside the kernel's claim transaction: the
 * delivery rows and the cursor move commit together (a crash before COMMIT hands the same
 * events out again, and UNIQUE (connector_id, event_id) makes that harmless). No network here:
 * the delivery workers do the I/O.
 *
 * An event is queued for a connector that is enabled NOW, subscribes to its action, and had
 * subscribed when the event occurred: events committed while a connector was disabled, or
 * before it subscribed, are never queued (re-enabling moves `subscribed_since`).
 */
@OutboxConsumer({ name: FANOUT_CONSUMER, batch: FANOUT_BATCH, chains: 'workspaces' })
@Injectable()
export class FanoutConsumer implements OutboxHandler {
  private readonly outboundKinds = CONNECTOR_TYPES.filter((t) => t.direction === 'outbound').map(
    (t) => t.kind,
  );

  constructor(
    private readonly clock: Clock,
    private readonly tx: TransactionHost,
    private readonly worker: DeliveryWorker,
  ) {}

  async handle(events: OutboxEvent[], em: EntityManager): Promise<void> {
    const deliverable = new Set(deliverableEvents().map((e) => e.action));
    const relevant = events.filter((e) => e.workspaceId && deliverable.has(e.action));
    if (relevant.length === 0) return;
    const workspaceIds = [...new Set(relevant.map((e) => e.workspaceId as string))];
    const subscribers = (await em.query(
      `SELECT id, workspace_id AS "workspaceId", kind, events, subscribed_since AS "subscribedSince"
         FROM connectors
        WHERE workspace_id = ANY($1::uuid[]) AND enabled AND kind = ANY($2::varchar[])`,
      [workspaceIds, this.outboundKinds],
    )) as Subscriber[];
    if (subscribers.length === 0) return;
    const byWorkspace = new Map<string, Subscriber[]>();
    for (const c of subscribers)
      byWorkspace.set(c.workspaceId, [...(byWorkspace.get(c.workspaceId) ?? []), c]);

    const rows: Array<[string, string, string, string, string, string, string]> = [];
    for (const e of relevant) {
      const occurred = new Date(e.occurredAt);
      for (const c of byWorkspace.get(e.workspaceId as string) ?? []) {
        if (occurred < new Date(c.subscribedSince)) continue;
        if (!c.events.some((p) => matchesSubscription(p, e.action))) continue;
        const type = connectorType(c.kind);
        if (type?.direction !== 'outbound') continue;
        rows.push([
          newId(),
          c.workspaceId,
          c.id,
          e.id,
          e.action,
          type.render(toConnectorEvent(e)),
          e.occurredAt,
        ]);
      }
    }
    if (rows.length === 0) return;
    const now = this.clock.now();
    const column = (i: number) => rows.map((r) => r[i]);
    await em.query(
      `INSERT INTO deliveries (id, workspace_id, connector_id, event_id, event_type, body, status,
              next_attempt_at, event_occurred_at, created_at, updated_at)
       SELECT u.id, u.workspace_id, u.connector_id, u.event_id, u.event_type, u.body, 'pending', $8,
              u.occurred_at, $8, $8
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::varchar[], $6::text[], $7::timestamptz[])
              AS u(id, workspace_id, connector_id, event_id, event_type, body, occurred_at)
       ON CONFLICT (connector_id, event_id) DO NOTHING`,
      [column(0), column(1), column(2), column(3), column(4), column(5), column(6), now],
    );
    // This instance's worker looks at once instead of at its next poll (lower latency).
    this.tx.afterCommit(() => this.worker.poke());
  }
}

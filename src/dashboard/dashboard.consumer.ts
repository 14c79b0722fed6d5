import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  OutboxConsumer,
  type OutboxEvent,
  type OutboxHandler,
} from '../kernel/outbox-consumers.js';
import { FlowProjector } from './flow.projector.js';

/** The durable cursor name of the dashboard's projection (never rename: it would start over). */
export const DASHBOARD_CONSUMER = 'dashboard.flow';
const DASHBOARD_CONSUMER_BATCH = 200;

/**
 * Keeps the dashboard's tables current from committed board events. The lag is the outbox
 * poll interval (`OUTBOX_POLL_INTERVAL_MS`) plus one batch, exported as
 * `workdeck_outbox_consumer_lag{consumer="dashboard.flow"}`. The kernel calls `handle` inside
 * the transaction that moves this consumer's cursor, so each event is applied exactly once.
 */
@OutboxConsumer({ name: DASHBOARD_CONSUMER, batch: DASHBOARD_CONSUMER_BATCH, chains: 'workspaces' })
@Injectable()
export class DashboardConsumer implements OutboxHandler {
  constructor(private readonly projector: FlowProjector) {}

  async handle(events: OutboxEvent[], em: EntityManager): Promise<void> {
    await this.projector.apply(em, events);
  }
}

import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Gauge } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { EVENT_COLUMNS } from '../audit/audit.queries.js';
import { toAuditEventResponse } from '../audit/audit.mappers.js';
import type { StoredEvent } from '../audit/chain-verifier.js';
import type { OutboxEvent } from '../audit/outbox.service.js';
import { OutboxService } from '../audit/outbox.service.js';
import { TransactionHost } from '../database/transaction-host.js';
import { MetricsService } from './metrics.js';

export type { OutboxEvent } from '../audit/outbox.service.js';

export interface OutboxConsumerOptions {
  /** Durable cursor name: unique per consumer, never renamed (it would start over). */
  name: string;
  /** Most events per batch (default 100). */
  batch?: number;
  /** Which chains: workspace chains (default), account chains, or all. */
  chains?: 'workspaces' | 'accounts' | 'all';
  /** Where a consumer with no cursor yet starts: every chain's first event (default) or its tip. */
  start?: 'beginning' | 'end';
}

/** A declared consumer: handles a batch of committed events inside the claim transaction. */
export interface OutboxHandler {
  handle(events: OutboxEvent[], em: EntityManager): Promise<void>;
}

/** Settings of the runner; the test harness turns the background loops off. */
export interface KernelOptions {
  background: boolean;
  outboxPollIntervalMs: number;
}
export const KERNEL_OPTIONS = Symbol('KERNEL_OPTIONS');

const CONSUMER_METADATA = 'workdeck:outbox-consumer';
const DEFAULT_BATCH = 100;
const MAX_BATCH = 1000;
const IDLE_BACKOFF_FACTOR = 2;
const MAX_IDLE_FACTOR = 4;
const MAX_ERROR_BACKOFF_MS = 30_000;

/** Declares a provider as an outbox consumer; the kernel runs it in every instance. */
export function OutboxConsumer(options: OutboxConsumerOptions): ClassDecorator {
  return (target) => Reflect.defineMetadata(CONSUMER_METADATA, options, target);
}

interface Consumer extends Required<OutboxConsumerOptions> {
  handler: OutboxHandler;
}

const CHAIN_FILTER: Record<Consumer['chains'], string> = {
  workspaces: `AND h.chain_key LIKE 'ws:%'`,
  accounts: `AND h.chain_key LIKE 'user:%'`,
  all: '',
};

/**
 * Runs the declared outbox consumers. Each poll is one transaction that claims the consumer's
 * cursors of lagging chains with FOR UPDATE SKIP LOCKED (so two instances never process the
 * same chain for the same consumer at once, and never wait for each other), reads the events
 * after them in seq order, hands them to the handler in that same transaction, moves the
 * cursors and commits: the handler's writes and the cursor move commit together, so a crash
 * anywhere before COMMIT hands the same events out again (at least once; in order per chain).
 * Polls back off while idle and go again at once while batches come back full; SIGTERM lets
 * the current batch finish.
 */
@Injectable()
export class OutboxConsumerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxConsumerRunner.name);
  private readonly consumers = new Map<string, Consumer>();
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly tx: TransactionHost,
    private readonly outbox: OutboxService,
    private readonly metrics: MetricsService,
    @Optional() @Inject(KERNEL_OPTIONS) private readonly options?: KernelOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const declared = Reflect.getMetadata(CONSUMER_METADATA, metatype) as
        OutboxConsumerOptions | undefined;
      if (!declared) continue;
      if (this.consumers.has(declared.name)) {
        throw new Error(`outbox consumer ${declared.name} declared twice`);
      }
      this.consumers.set(declared.name, {
        batch: Math.min(Math.max(1, declared.batch ?? DEFAULT_BATCH), MAX_BATCH),
        chains: declared.chains ?? 'workspaces',
        start: declared.start ?? 'beginning',
        ...declared,
        handler: instance as OutboxHandler,
      });
    }
    if (this.consumers.size === 0) return;
    this.registerLagMetric();
    if (this.options?.background === false) return;
    for (const consumer of this.consumers.values()) this.loops.push(this.loop(consumer));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await Promise.all(this.loops);
  }

  /** The declared consumers' names. */
  names(): string[] {
    return [...this.consumers.keys()];
  }

  /** One claim transaction of consumer `name`; returns how many events it handled. */
  async tick(name: string): Promise<number> {
    const consumer = this.consumers.get(name);
    if (!consumer) throw new Error(`no outbox consumer ${name}`);
    await this.ensureCursors(consumer);
    return this.tx.run(async (em) => {
      const claimed = (await em.query(
        `SELECT c.chain_key AS "chainKey", c.last_seq AS "lastSeq"
           FROM outbox_cursors c JOIN audit_chain_heads h ON h.chain_key = c.chain_key
          WHERE c.consumer = $1 AND h.last_seq > c.last_seq ${CHAIN_FILTER[consumer.chains]}
          ORDER BY c.updated_at, c.chain_key
          LIMIT $2
          FOR UPDATE OF c SKIP LOCKED`,
        [consumer.name, consumer.batch],
      )) as Array<{ chainKey: string; lastSeq: string }>;
      if (claimed.length === 0) return 0;
      const rows = (await em.query(
        `SELECT ev.* FROM unnest($1::varchar[], $2::bigint[]) WITH ORDINALITY AS l(chain_key, after, n)
         CROSS JOIN LATERAL (
           SELECT ${EVENT_COLUMNS}, l.n FROM audit_events e
            WHERE e.chain_key = l.chain_key AND e.seq > l.after AND e.seq <= l.after + $4
            ORDER BY e.seq LIMIT $4) ev
         ORDER BY ev.n, ev.seq
         LIMIT $3`,
        [
          claimed.map((c) => c.chainKey),
          claimed.map((c) => c.lastSeq),
          consumer.batch,
          // Every claimed chain gets its share of the batch: a busy chain cannot starve others.
          // Seqs are gap-free per chain, so the share is also an upper bound on seq: whatever
          // plan the statistics suggest (a bitmap scan of a long chain sorted for its first
          // rows was seen on a fresh database), at most that many events are read per chain.
          Math.max(1, Math.ceil(consumer.batch / claimed.length)),
        ],
      )) as Array<StoredEvent & { n: string }>;
      if (rows.length === 0) return 0;
      const events = rows.map((r) => toAuditEventResponse(r));
      await consumer.handler.handle(events, em);
      const last = new Map<string, number>();
      for (const e of events) last.set(e.chainKey, e.seq);
      await em.query(
        `UPDATE outbox_cursors c SET last_seq = u.seq, updated_at = now()
           FROM unnest($2::varchar[], $3::bigint[]) AS u(chain_key, seq)
          WHERE c.consumer = $1 AND c.chain_key = u.chain_key`,
        [consumer.name, [...last.keys()], [...last.values()]],
      );
      return events.length;
    });
  }

  /** Processes everything committed so far (tests, repairs). Returns the events handled. */
  async drain(name: string): Promise<number> {
    let total = 0;
    for (let n = await this.tick(name); n > 0; n = await this.tick(name)) total += n;
    return total;
  }

  /**
   * Cursor rows for chains this consumer has none for, so they can be claimed with SKIP
   * LOCKED. Its own short statement: concurrent inserts of the same row wait only for it.
   */
  private async ensureCursors(consumer: Consumer): Promise<void> {
    await this.tx.manager.query(
      `INSERT INTO outbox_cursors (consumer, chain_key, last_seq, updated_at)
       SELECT $1::varchar, h.chain_key, 0, 'epoch' FROM audit_chain_heads h
        WHERE NOT EXISTS (SELECT 1 FROM outbox_cursors c
                           WHERE c.consumer = $1::varchar AND c.chain_key = h.chain_key)
          ${CHAIN_FILTER[consumer.chains]}
       ON CONFLICT (consumer, chain_key) DO NOTHING`,
      [consumer.name],
    );
  }

  private async loop(consumer: Consumer): Promise<void> {
    const base = this.options?.outboxPollIntervalMs ?? 250;
    if (consumer.start === 'end') await this.startAtEnd(consumer);
    let wait = base;
    while (!this.stopping) {
      let handled = 0;
      try {
        handled = await this.tick(consumer.name);
        wait = handled > 0 ? base : Math.min(wait * IDLE_BACKOFF_FACTOR, base * MAX_IDLE_FACTOR);
      } catch (err) {
        wait = Math.min(Math.max(wait, base) * IDLE_BACKOFF_FACTOR, MAX_ERROR_BACKOFF_MS);
        this.logger.error({ err, consumer: consumer.name }, 'outbox consumer batch failed');
      }
      // A full batch: more is waiting, go again at once.
      if (handled >= consumer.batch) continue;
      await this.sleep(handled > 0 ? base : wait);
    }
  }

  private async startAtEnd(consumer: Consumer): Promise<void> {
    const [row] = (await this.tx.manager.query(
      'SELECT 1 FROM outbox_cursors WHERE consumer = $1 LIMIT 1',
      [consumer.name],
    )) as unknown[];
    if (!row) await this.outbox.seekToEnd(consumer.name);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private registerLagMetric(): void {
    const name = 'workdeck_outbox_consumer_lag';
    if (this.metrics.registry.getSingleMetric(name)) return;
    const tx = this.tx;
    const consumers = this.consumers;
    new Gauge({
      name,
      help: 'Committed events not yet handled, per declared outbox consumer',
      labelNames: ['consumer'] as const,
      registers: [this.metrics.registry],
      async collect() {
        for (const consumer of consumers.values()) {
          const [row] = (await tx.manager.query(
            `SELECT COALESCE(sum(h.last_seq - COALESCE(c.last_seq, 0)), 0) AS lag
               FROM audit_chain_heads h
               LEFT JOIN outbox_cursors c ON c.consumer = $1 AND c.chain_key = h.chain_key
              WHERE TRUE ${CHAIN_FILTER[consumer.chains]}`,
            [consumer.name],
          )) as Array<{ lag: string }>;
          this.set({ consumer: consumer.name }, Number(row.lag));
        }
      },
    });
  }
}

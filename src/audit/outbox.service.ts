import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionHost } from '../database/transaction-host.js';
import { toAuditEventResponse } from './audit.mappers.js';
import { workspaceChainKey } from './audit.service.js';
import { outboxBatch } from './audit.queries.js';
import type { AuditEventResponseDto } from './dto/audit-event.dto.js';

export const OUTBOX_DEFAULT_BATCH = 100;
export const OUTBOX_MAX_BATCH = 1000;
const MAX_CONSUMER_LENGTH = 100;

/** An event as consumers receive it: the audit API's JSON shape. */
export type OutboxEvent = AuditEventResponseDto;

export interface OutboxReadOptions {
  /** Most events per batch (default 100, at most 1000). */
  limit?: number;
  /**
   * Only these chains (`workspaceChainKey(id)`, `accountChainKey(userId)`); default: every
   * chain. A consumer of one workspace (a connector) should pass its chain: the read is then
   * one index range scan instead of a pass over every chain head.
   */
  chainKeys?: string[];
}

/** Where a consumer acknowledged up to: at least the chain and seq of each event processed. */
export type OutboxAck = Pick<OutboxEvent, 'chainKey' | 'seq'>;

/**
 * The outbox: committed events for named consumers (connectors, feeds), at least once, in
 * order per chain.
 *
 * Why a cursor per (consumer, chain), not one global position: a global insertion sequence is
 * not commit order. Transaction A takes number 10, B takes 11 and commits first; a consumer that
 * saw 11 and stored "after 11" would never see 10 when A commits. Here, positions are the
 * per-chain `seq`, assigned under the chain head's row lock held until commit (AuditService):
 * the writer of seq n+1 cannot even read the head before seq n committed. So every snapshot
 * sees, for every chain, exactly the gap-free prefix 1..k of committed events, and a cursor
 * "chain C up to seq k" can never jump over an event that commits later: that event's seq is
 * greater than k. Each read is one statement (one snapshot) over heads and events.
 *
 * Delivery: `read` returns the events after the consumer's cursors, in seq order per chain
 * (chains interleave in no particular order), and does not move the cursors; `acknowledge`
 * moves them, in the database. A consumer that crashes between the two gets the same events
 * again: at least once, so handlers must be idempotent (use the event `id`). Chains the
 * consumer has served least recently come first, so one busy chain cannot starve the others.
 * Cursors are per consumer name: run one worker per name (or accept duplicates).
 */
@Injectable()
export class OutboxService {
  constructor(private readonly tx: TransactionHost) {}

  /** The next events after the consumer's cursors; reading again without acknowledging repeats them. */
  async read(consumer: string, options: OutboxReadOptions = {}): Promise<OutboxEvent[]> {
    assertConsumer(consumer);
    if (options.chainKeys?.length === 0) return [];
    const limit = Math.min(Math.max(1, options.limit ?? OUTBOX_DEFAULT_BATCH), OUTBOX_MAX_BATCH);
    const rows = await outboxBatch(this.tx.manager, consumer, limit, options.chainKeys);
    return rows.map(toAuditEventResponse);
  }

  /**
   * Moves the consumer's cursors past these events. Per chain they must continue the cursor
   * without a gap (acknowledging seq 7 while 5 was never acknowledged would lose 5: refused);
   * events at or below the cursor are ignored, so acknowledging twice is harmless.
   */
  async acknowledge(consumer: string, events: readonly OutboxAck[]): Promise<void> {
    assertConsumer(consumer);
    const byChain = new Map<string, number[]>();
    for (const e of events) {
      const seqs = byChain.get(e.chainKey) ?? [];
      seqs.push(e.seq);
      byChain.set(e.chainKey, seqs);
    }
    if (byChain.size === 0) return;
    await this.tx.run(async (em) => {
      // A stable order, so two acknowledgements of overlapping chains cannot deadlock.
      for (const chainKey of [...byChain.keys()].sort()) {
        const cursor = await this.lockCursor(em, consumer, chainKey);
        const seqs = [...new Set(byChain.get(chainKey))].sort((a, b) => a - b);
        const fresh = seqs.filter((s) => s > cursor);
        if (fresh.length === 0) continue;
        fresh.forEach((seq, i) => {
          if (seq !== cursor + 1 + i) {
            throw new Error(
              `outbox consumer ${consumer}: acknowledging ${chainKey} seq ${seq} would skip seq ${cursor + 1 + i}`,
            );
          }
        });
        await this.saveCursor(em, consumer, chainKey, fresh[fresh.length - 1]);
      }
    });
  }

  /**
   * Reads one batch, hands it to `handler`, acknowledges it when the handler succeeds. A
   * handler that throws (or a process that dies) leaves the cursor: the batch comes again.
   * Returns how many events were handled (0: nothing new).
   */
  async consume(
    consumer: string,
    handler: (events: OutboxEvent[]) => Promise<void>,
    options: OutboxReadOptions = {},
  ): Promise<number> {
    const events = await this.read(consumer, options);
    if (events.length === 0) return 0;
    await handler(events);
    await this.acknowledge(consumer, events);
    return events.length;
  }

  /**
   * Starts the consumer at the current tips (it will see only events committed from now on),
   * for the given chains or every chain. Cursors never move backwards.
   */
  async seekToEnd(consumer: string, chainKeys?: string[]): Promise<void> {
    assertConsumer(consumer);
    await this.tx.run((em) =>
      em.query(
        `INSERT INTO outbox_cursors (consumer, chain_key, last_seq, updated_at)
         SELECT $1, h.chain_key, h.last_seq, now() FROM audit_chain_heads h
          WHERE $2::varchar[] IS NULL OR h.chain_key = ANY($2::varchar[])
         ON CONFLICT (consumer, chain_key)
         DO UPDATE SET last_seq = GREATEST(outbox_cursors.last_seq, EXCLUDED.last_seq), updated_at = now()`,
        [consumer, chainKeys ?? null],
      ),
    );
  }

  /** The last acknowledged seq of a chain for a consumer (0: nothing yet). */
  async position(consumer: string, chainKey: string): Promise<number> {
    assertConsumer(consumer);
    const [row] = (await this.tx.manager.query(
      'SELECT last_seq FROM outbox_cursors WHERE consumer = $1 AND chain_key = $2',
      [consumer, chainKey],
    )) as Array<{ last_seq: string }>;
    return row ? Number(row.last_seq) : 0;
  }

  private async lockCursor(em: EntityManager, consumer: string, chainKey: string): Promise<number> {
    const [row] = (await em.query(
      'SELECT last_seq FROM outbox_cursors WHERE consumer = $1 AND chain_key = $2 FOR UPDATE',
      [consumer, chainKey],
    )) as Array<{ last_seq: string }>;
    return row ? Number(row.last_seq) : 0;
  }

  private async saveCursor(
    em: EntityManager,
    consumer: string,
    chainKey: string,
    lastSeq: number,
  ): Promise<void> {
    await em.query(
      `INSERT INTO outbox_cursors (consumer, chain_key, last_seq, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (consumer, chain_key)
       DO UPDATE SET last_seq = GREATEST(outbox_cursors.last_seq, EXCLUDED.last_seq), updated_at = now()`,
      [consumer, chainKey, lastSeq],
    );
  }
}

/**
 * A workspace chain's head and how far `consumer` has applied it (together they validate what
 * the consumer maintains), as two output columns, `"head"` and `"applied"` (text), of a
 * statement that has the workspace id as the SQL expression `workspaceIdSql`: for a tenant
 * table's `select`, so that tenancy and the validator cost one round trip.
 */
export function outboxProgressColumns(consumer: string, workspaceIdSql: string): string {
  assertConsumer(consumer);
  const literal = `'${consumer.replace(/'/g, "''")}'`;
  const chainKey = `('${workspaceChainKey('')}' || ${workspaceIdSql}::text)`;
  return `coalesce((SELECT last_seq FROM audit_chain_heads WHERE chain_key = ${chainKey}), 0)::text AS "head",
          coalesce((SELECT last_seq FROM outbox_cursors
                     WHERE consumer = ${literal} AND chain_key = ${chainKey}), 0)::text AS "applied"`;
}

function assertConsumer(consumer: string): void {
  if (!consumer || consumer.length > MAX_CONSUMER_LENGTH) {
    throw new Error(`outbox consumer name must be 1 to ${MAX_CONSUMER_LENGTH} characters`);
  }
}

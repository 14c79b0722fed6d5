import { randomUUID } from 'node:crypto';
import { accountChainKey } from '../../src/audit/audit.service.js';
import { OutboxService, type OutboxEvent } from '../../src/audit/outbox.service.js';
import { describeOnPostgres } from '../support/db.js';
import { inProcessAudit, type InProcessAudit } from './in-process.js';

const WRITERS = 8;
const EVENTS_PER_WRITER = 30;

/** A consumer as a later module would write one: remembers what it processed. */
class ToyConsumer {
  readonly processed: OutboxEvent[] = [];
  constructor(
    private readonly outbox: OutboxService,
    readonly name: string,
    private readonly chainKeys?: string[],
    private readonly limit = 10,
  ) {}

  poll(): Promise<number> {
    return this.outbox.consume(
      this.name,
      async (events) => {
        this.processed.push(...events);
      },
      { chainKeys: this.chainKeys, limit: this.limit },
    );
  }

  async drain(): Promise<void> {
    while ((await this.poll()) > 0);
  }

  seqs(chainKey: string): number[] {
    return this.processed.filter((e) => e.chainKey === chainKey).map((e) => e.seq);
  }
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('outbox', () => {
  let local: InProcessAudit;

  beforeAll(async () => {
    local = await inProcessAudit();
  });
  afterAll(() => local.close());

  /** A fresh account chain (no foreign key needed) and a writer for it. */
  function chain() {
    const userId = randomUUID();
    const key = accountChainKey(userId);
    const write = (count: number, action = 'test.happened') =>
      (async () => {
        for (let i = 0; i < count; i++) {
          await local.tx.run((em) =>
            local.audit.record(em, {
              workspaceId: null,
              userId,
              action,
              entityType: 'test',
              entityId: null,
              changes: { i: { from: null, to: i } },
              actor: { type: 'system', name: 'outbox-test' },
            }),
          );
        }
      })();
    return { key, write };
  }

  it('delivers committed events in order, in batches, and re-delivers after a crash', async () => {
    const c = chain();
    await c.write(5);
    const name = `toy-${randomUUID()}`;

    // Read, then die before acknowledging.
    const first = await local.outbox.read(name, { chainKeys: [c.key], limit: 3 });
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first[0]).toMatchObject({ chainKey: c.key, action: 'test.happened', workspaceId: null });

    // A new process (a fresh service over the same database) gets the same events again.
    const restarted = new ToyConsumer(new OutboxService(local.tx), name, [c.key], 3);
    expect(await restarted.poll()).toBe(3);
    expect(restarted.seqs(c.key)).toEqual([1, 2, 3]);
    expect(restarted.processed.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(await local.outbox.position(name, c.key)).toBe(3);

    // A handler that fails mid-batch acknowledges nothing.
    await expect(
      local.outbox.consume(
        name,
        async () => {
          throw new Error('crashed while sending');
        },
        { chainKeys: [c.key] },
      ),
    ).rejects.toThrow('crashed while sending');
    expect(await local.outbox.position(name, c.key)).toBe(3);

    await restarted.drain();
    expect(restarted.seqs(c.key)).toEqual([1, 2, 3, 4, 5]);
    await c.write(2);
    await restarted.drain();
    expect(restarted.seqs(c.key)).toEqual(range(1, 7));
    expect(await local.outbox.read(name, { chainKeys: [c.key] })).toEqual([]);
  });

  it('keeps consumers apart', async () => {
    const c = chain();
    await c.write(3);
    const one = new ToyConsumer(local.outbox, `one-${randomUUID()}`, [c.key]);
    const two = new ToyConsumer(local.outbox, `two-${randomUUID()}`, [c.key]);
    await one.drain();
    expect(one.seqs(c.key)).toEqual([1, 2, 3]);
    expect(await local.outbox.position(two.name, c.key)).toBe(0);
    await two.drain();
    expect(two.seqs(c.key)).toEqual([1, 2, 3]);
  });

  it('refuses an acknowledgement that would skip events, and ignores repeated ones', async () => {
    const c = chain();
    await c.write(4);
    const name = `acks-${randomUUID()}`;
    await expect(local.outbox.acknowledge(name, [{ chainKey: c.key, seq: 2 }])).rejects.toThrow(
      'would skip seq 1',
    );
    expect(await local.outbox.position(name, c.key)).toBe(0);
    await local.outbox.acknowledge(name, [
      { chainKey: c.key, seq: 2 },
      { chainKey: c.key, seq: 1 },
    ]);
    await local.outbox.acknowledge(name, [{ chainKey: c.key, seq: 1 }]);
    expect(await local.outbox.position(name, c.key)).toBe(2);
    expect((await local.outbox.read(name, { chainKeys: [c.key] })).map((e) => e.seq)).toEqual([
      3, 4,
    ]);
  });

  it('can start a consumer at the current tips', async () => {
    const c = chain();
    await c.write(3);
    const name = `late-${randomUUID()}`;
    await local.outbox.seekToEnd(name, [c.key]);
    expect(await local.outbox.read(name, { chainKeys: [c.key] })).toEqual([]);
    await c.write(1);
    expect((await local.outbox.read(name, { chainKeys: [c.key] })).map((e) => e.seq)).toEqual([4]);
  });

  it('serves every lagging chain to a consumer of all chains', async () => {
    const name = `all-${randomUUID()}`;
    await local.outbox.seekToEnd(name);
    const chains = [chain(), chain(), chain()];
    for (const c of chains) await c.write(4);
    const consumer = new ToyConsumer(local.outbox, name, undefined, 5);
    await consumer.drain();
    for (const c of chains) expect(consumer.seqs(c.key)).toEqual([1, 2, 3, 4]);
  });

  describeOnPostgres('with concurrent writers', () => {
    it('skips no event that commits after a later-numbered one was delivered', async () => {
      const name = `order-${randomUUID()}`;
      await local.outbox.seekToEnd(name);
      const a = chain();
      const b = chain();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let written!: () => void;
      const aWritten = new Promise<void>((r) => (written = r));
      // Transaction A appends first (earlier id and time) but commits last.
      const slow = local.tx.run(async (em) => {
        await local.audit.record(em, {
          workspaceId: null,
          userId: a.key.slice('user:'.length),
          action: 'test.slow',
          entityType: 'test',
          entityId: null,
        });
        written();
        await held;
      });
      await aWritten;
      await b.write(1, 'test.fast');

      const consumer = new ToyConsumer(local.outbox, name, undefined, 100);
      await consumer.drain();
      expect(consumer.seqs(b.key)).toEqual([1]);
      expect(consumer.seqs(a.key)).toEqual([]);

      release();
      await slow;
      await consumer.drain();
      const [slowEvent] = consumer.processed.filter((e) => e.chainKey === a.key);
      const [fastEvent] = consumer.processed.filter((e) => e.chainKey === b.key);
      expect(slowEvent).toMatchObject({ action: 'test.slow', seq: 1 });
      // A cursor on one global, time-ordered position ("after the fast event") would have
      // skipped the slow event for good.
      expect(slowEvent.id < fastEvent.id).toBe(true);
      expect(slowEvent.occurredAt <= fastEvent.occurredAt).toBe(true);
    });

    it('delivers every event exactly in chain order while writers race', async () => {
      const name = `race-${randomUUID()}`;
      await local.outbox.seekToEnd(name);
      const chains = Array.from({ length: WRITERS / 2 }, () => chain());
      const consumer = new ToyConsumer(local.outbox, name, undefined, 7);
      let writing = true;
      // Two writers per chain: appends to one chain contend for its head.
      const writers = Promise.all(
        [...chains, ...chains].map((c) => c.write(EVENTS_PER_WRITER / 2)),
      ).finally(() => (writing = false));
      while (writing) await consumer.poll();
      await writers;
      await consumer.drain();
      for (const c of chains) expect(consumer.seqs(c.key)).toEqual(range(1, EVENTS_PER_WRITER));
      const ids = consumer.processed.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { IdempotencyRecordEntity } from '../../src/common/idempotency-record.entity.js';
import { inProcessAudit, type InProcessAudit } from '../audit/in-process.js';

/**
 * `TransactionHost.run`, the one way a unit of work gets a transaction, on both engines: hooks
 * before and after COMMIT, rollback, and TypeORM code inside it behaving as inside
 * `dataSource.transaction` (a repository `save` joins it, a nested `manager.transaction` is a
 * savepoint), a failing COMMIT reported as TypeORM's `QueryFailedError`, and no connection kept.
 */
describe('TransactionHost', () => {
  let local: InProcessAudit;
  const caller = `spec:${randomUUID()}`;

  beforeAll(async () => {
    local = await inProcessAudit();
  });
  afterAll(() => local?.close());

  const record = (key: string): IdempotencyRecordEntity =>
    Object.assign(new IdempotencyRecordEntity(), {
      id: randomUUID(),
      caller,
      key,
      requestHash: 'h'.repeat(64),
      responseStatus: 201,
      responseBody: { key },
      expiresAt: new Date(Date.now() + 3_600_000),
    });
  const save = (em: EntityManager, key: string) =>
    em.getRepository(IdempotencyRecordEntity).save(record(key));
  /** The keys committed under this spec's caller, read outside any transaction. */
  const committed = async (): Promise<string[]> =>
    (
      (await local.dataSource.query(
        'SELECT key FROM idempotency_records WHERE caller = $1 ORDER BY key',
        [caller],
      )) as Array<{ key: string }>
    ).map((r) => r.key);
  const clear = () =>
    local.dataSource.query('DELETE FROM idempotency_records WHERE caller = $1', [caller]);

  beforeEach(clear);

  it('commits the work with its before-commit hooks, then runs the after-commit hooks', async () => {
    const order: string[] = [];
    await local.tx.run(async (em) => {
      await save(em, 'a');
      local.tx.beforeCommit(async () => {
        order.push('before');
        await save(em, 'b');
      });
      local.tx.afterCommit(async () => {
        order.push(`after: ${(await committed()).join(',')}`);
      });
    });
    expect(order).toEqual(['before', 'after: a,b']);
    expect(await committed()).toEqual(['a', 'b']);
  });

  it('rolls everything back on an error: after-completion hooks run, after-commit ones do not', async () => {
    const ran: string[] = [];
    await expect(
      local.tx.run(async (em) => {
        await save(em, 'a');
        local.tx.afterCommit(() => void ran.push('after-commit'));
        local.tx.afterCompletion(() => void ran.push('after-completion'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(ran).toEqual(['after-completion']);
    expect(await committed()).toEqual([]);
  });

  it('a repository save inside opens no transaction of its own: it rolls back with the work', async () => {
    await expect(
      local.tx.run(async (em) => {
        await save(em, 'a');
        await save(em, 'b');
        throw new Error('after the saves');
      }),
    ).rejects.toThrow('after the saves');
    expect(await committed()).toEqual([]);
  });

  it('a nested manager.transaction is a savepoint: its failure undoes only its own work', async () => {
    await local.tx.run(async (em) => {
      await save(em, 'a');
      await expect(
        em.transaction(async (inner) => {
          await save(inner, 'b');
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await em.transaction((inner) => save(inner, 'c'));
      await save(em, 'd');
    });
    expect(await committed()).toEqual(['a', 'c', 'd']);
  });

  it('reports a failing COMMIT as a QueryFailedError with the driver error, and commits nothing', async () => {
    const err = await local.tx
      .run(async (em) => {
        await save(em, 'a');
        // A deferred unique constraint is checked at COMMIT.
        await em.query(
          'CREATE TEMP TABLE spec_deferred (x int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP',
        );
        await em.query('INSERT INTO spec_deferred VALUES (1), (1)');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryFailedError);
    expect((err as QueryFailedError & { driverError: { code?: string } }).driverError.code).toBe(
      '23505',
    );
    expect(await committed()).toEqual([]);
  });

  it('gives every connection back, after failed statements too', async () => {
    // More failing transactions than the pool has connections: a connection kept by any of
    // them would leave a later one waiting until the test times out.
    for (let i = 0; i < 30; i++) {
      await expect(local.tx.run((em) => em.query('SELECT 1 / 0'))).rejects.toBeInstanceOf(
        QueryFailedError,
      );
    }
    await local.tx.run((em) => save(em, 'after'));
    expect(await committed()).toEqual(['after']);
  });
});

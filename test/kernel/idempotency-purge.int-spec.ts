import { randomUUID } from 'node:crypto';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { IdempotencyPurgeJob } from '../../src/common/idempotency-purge.job.js';
import { describeOnPostgres } from '../support/db.js';

describeOnPostgres('idempotency purge job', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = new DataSource({ type: 'postgres', url: process.env.TEST_DATABASE_URL });
    await ds.initialize();
  });
  afterAll(() => ds.destroy());

  it('deletes expired records and keeps live ones', async () => {
    const caller = `user:${randomUUID()}`;
    const insert = (key: string, expiresAt: string) =>
      ds.query(
        `INSERT INTO idempotency_records (id, caller, key, request_hash, response_status, response_body, expires_at)
         VALUES ($1, $2, $3, $4, 201, '{}', $5)`,
        [randomUUID(), caller, key, 'h'.repeat(64), expiresAt],
      );
    await insert('old', new Date(Date.now() - 60_000).toISOString());
    await insert('live', new Date(Date.now() + 3_600_000).toISOString());

    const purged = await new IdempotencyPurgeJob(ds).purgeExpired();

    expect(purged).toBeGreaterThanOrEqual(1);
    const left = (await ds.query(
      'SELECT key FROM idempotency_records WHERE caller = $1 ORDER BY key',
      [caller],
    )) as Array<{ key: string }>;
    expect(left.map((r) => r.key)).toEqual(['live']);
  });
});

import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

const PURGE_INTERVAL_MS = 15 * 60 * 1000;
const PURGE_BATCH = 5000;

/** Deletes expired idempotency records in bounded batches. */
@Injectable()
export class IdempotencyPurgeJob {
  private readonly logger = new Logger(IdempotencyPurgeJob.name);

  constructor(private readonly dataSource: DataSource) {}

  @Interval(PURGE_INTERVAL_MS)
  async purgeExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = (await this.dataSource.query(
        `DELETE FROM idempotency_records WHERE id IN (
           SELECT id FROM idempotency_records WHERE expires_at < now() LIMIT ${PURGE_BATCH})
         RETURNING 1`,
      )) as unknown[];
      total += rows.length;
      if (rows.length < PURGE_BATCH) break;
    }
    if (total > 0) this.logger.log({ purged: total }, 'expired idempotency records purged');
    return total;
  }
}

import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { AuditChainHeadEntity, AuditEventEntity } from '../../src/audit/audit-event.entity.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { OutboxCursorEntity } from '../../src/audit/outbox-cursor.entity.js';
import { OutboxService } from '../../src/audit/outbox.service.js';
import { IdempotencyRecordEntity } from '../../src/common/idempotency-record.entity.js';
import { dataSourceOptions } from '../../src/database/data-source.options.js';
import { TransactionHost } from '../../src/database/transaction-host.js';
import { ApiTokenEntity } from '../../src/identity/api-token.entity.js';
import { MembershipEntity } from '../../src/identity/membership.entity.js';
import { RefreshTokenEntity } from '../../src/identity/refresh-token.entity.js';
import { UserEntity } from '../../src/identity/user.entity.js';
import { WorkspaceEntity } from '../../src/identity/workspace.entity.js';
import { onRealPostgres } from '../support/app.js';

const ENTITIES = [
  AuditEventEntity,
  AuditChainHeadEntity,
  OutboxCursorEntity,
  IdempotencyRecordEntity,
  UserEntity,
  WorkspaceEntity,
  MembershipEntity,
  ApiTokenEntity,
  RefreshTokenEntity,
];
const POOL_SIZE = 12;

/** The audit services wired by hand over a data source in the test process. */
export interface InProcessAudit {
  dataSource: DataSource;
  tx: TransactionHost;
  audit: AuditService;
  outbox: OutboxService;
  close(): Promise<void>;
}

/**
 * The audit write side and outbox in the test process, to drive transactions directly (crash
 * between read and acknowledge, a transaction left open on purpose). On the real server it uses
 * the run's database (migrated by the global setup); on PGlite a fresh in-memory database.
 */
export async function inProcessAudit(): Promise<InProcessAudit> {
  const dataSource = new DataSource(
    dataSourceOptions(
      {
        url: onRealPostgres() ? process.env.TEST_DATABASE_URL : undefined,
        dataDir: `memory://audit-${randomBytes(4).toString('hex')}`,
        poolSize: POOL_SIZE,
        statementTimeoutMs: 10_000,
      },
      { entities: ENTITIES, migrations },
    ),
  );
  await dataSource.initialize();
  if (!onRealPostgres()) await dataSource.runMigrations({ transaction: 'each' });
  const tx = new TransactionHost(dataSource);
  return {
    dataSource,
    tx,
    audit: new AuditService(),
    outbox: new OutboxService(tx),
    close: () => dataSource.destroy(),
  };
}

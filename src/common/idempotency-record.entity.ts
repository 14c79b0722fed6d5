import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A stored response for (caller, Idempotency-Key), written in the transaction of the effect. */
@Entity('idempotency_records')
@Index('ux_idempotency_records_caller_key', ['caller', 'key'], { unique: true })
@Index('ix_idempotency_records_expires_at', ['expiresAt'])
export class IdempotencyRecordEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** `user:<id>`, `token:<id>` or `ip:<address>`: keys are scoped to whoever sent them. */
  @Column({ type: 'varchar', length: 300 })
  caller: string;

  @Column({ type: 'varchar', length: 255 })
  key: string;

  /** SHA-256 of method, path and canonical body. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ name: 'response_status', type: 'smallint' })
  responseStatus: number;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}

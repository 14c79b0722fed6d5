import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';

/**
 * How far one named outbox consumer has acknowledged one chain: every event of `chain_key` with
 * `seq <= last_seq` was processed. One row per (consumer, chain), created on first acknowledge.
 */
@Entity('outbox_cursors')
@Check('ck_outbox_cursors_last_seq', `last_seq >= 0`)
export class OutboxCursorEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  consumer: string;

  @PrimaryColumn({ name: 'chain_key', type: 'varchar', length: 64 })
  // By entity name: the chain head is the table of valid chain keys.
  @ForeignKey('AuditChainHeadEntity', { onDelete: 'CASCADE' })
  chainKey: string;

  @Column({ name: 'last_seq', type: 'bigint' })
  lastSeq: string;

  /** When the cursor last moved: chains served least recently come first (fairness). */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

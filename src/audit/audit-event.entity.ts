import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

export type ActorType = 'user' | 'token' | 'system';

/**
 * One committed change: audit log, outbox and activity feed in one append-only table.
 * `chain_key` is the workspace (`ws:<id>`) or, for account-level events, the user (`user:<id>`).
 */
@Entity('audit_events')
@Index('ux_audit_events_chain_seq', ['chainKey', 'seq'], { unique: true })
@Index('ix_audit_events_workspace_seq', ['workspaceId', 'seq'])
export class AuditEventEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', nullable: true })
  // By entity name: a module never imports another module's entities.
  @ForeignKey('WorkspaceEntity', { onDelete: 'RESTRICT' })
  workspaceId: string | null;

  @Column({ name: 'chain_key', type: 'varchar', length: 64 })
  chainKey: string;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ name: 'actor_type', type: 'varchar', length: 16 })
  actorType: ActorType;

  @Column({ name: 'actor_id', type: 'varchar', length: 100, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 100 })
  action: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 50 })
  entityType: string;

  @Column({ name: 'entity_id', type: 'uuid', nullable: true })
  entityId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  changes: Record<string, { from: unknown; to: unknown }>;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'prev_hash', type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}

/** The tip of one hash chain; locked for the rest of the transaction by whoever appends. */
@Entity('audit_chain_heads')
export class AuditChainHeadEntity {
  @PrimaryColumn({ name: 'chain_key', type: 'varchar', length: 64 })
  chainKey: string;

  @Column({ name: 'last_seq', type: 'bigint' })
  lastSeq: string;

  @Column({ name: 'last_hash', type: 'char', length: 64 })
  lastHash: string;
}

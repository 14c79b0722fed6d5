import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

export const ACTOR_TYPES = ['user', 'token', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/**
 * One committed change: audit log, outbox and activity feed in one append-only table (a trigger
 * rejects UPDATE, DELETE and TRUNCATE; see the AuditLog migration).
 * `chain_key` is the workspace (`ws:<id>`) or, for account-level events, the user (`user:<id>`);
 * `seq` is gap-free per chain and assigned in commit order (see AuditService).
 *
 * Indexes: every list filter has a `(workspace_id, <filter>, occurred_at, seq)` index, so a page
 * (newest first) is one backward index range scan whatever the workspace's size. The action index
 * uses `varchar_pattern_ops` (prefix filters `card.*` as LIKE 'card.%' in any collation), which
 * TypeORM cannot express: it is created by hand in the migration and not synchronised.
 */
@Entity('audit_events')
@Index('ux_audit_events_chain_seq', ['chainKey', 'seq'], { unique: true })
@Index('ix_audit_events_workspace_time', ['workspaceId', 'occurredAt', 'seq'])
@Index('ix_audit_events_workspace_actor', ['workspaceId', 'actorId', 'occurredAt', 'seq'])
@Index('ix_audit_events_workspace_entity', ['workspaceId', 'entityId', 'occurredAt', 'seq'])
@Index('ix_audit_events_workspace_entity_type', ['workspaceId', 'entityType', 'occurredAt', 'seq'])
@Index('ix_audit_events_workspace_action', { synchronize: false })
// Account-level events only (few rows): the /v1/me list, newest first.
@Index('ix_audit_events_account_time', ['chainKey', 'occurredAt', 'seq'], {
  where: 'workspace_id IS NULL',
})
@Check(
  'ck_audit_events_chain_key',
  `(workspace_id IS NOT NULL AND chain_key = 'ws:' || workspace_id::text) OR (workspace_id IS NULL AND chain_key LIKE 'user:%')`,
)
@Check('ck_audit_events_actor_type', `actor_type IN ('user', 'token', 'system')`)
@Check('ck_audit_events_seq', `seq > 0`)
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

  /** Never decreases along a chain (see AuditService), so time order is chain order. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'prev_hash', type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}

/**
 * The tip of one hash chain, committed together with the chain's last event. Whoever appends
 * locks it (FOR NO KEY UPDATE) for the rest of the transaction, which serialises one chain and
 * leaves every other chain free.
 */
@Entity('audit_chain_heads')
@Check('ck_audit_chain_heads_last_seq', `last_seq >= 0`)
export class AuditChainHeadEntity {
  @PrimaryColumn({ name: 'chain_key', type: 'varchar', length: 64 })
  chainKey: string;

  @Column({ name: 'last_seq', type: 'bigint' })
  lastSeq: string;

  @Column({ name: 'last_hash', type: 'char', length: 64 })
  lastHash: string;

  /** `occurred_at` of the last event; the next event's is never earlier. */
  @Column({ name: 'last_occurred_at', type: 'timestamptz', nullable: true })
  lastOccurredAt: Date | null;
}

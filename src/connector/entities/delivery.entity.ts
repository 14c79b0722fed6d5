import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { BaseEntity } from '../../database/base.entity.js';

/**
 * One event for one connector. `body` is the exact JSON sent on every attempt (signed per
 * attempt with a fresh timestamp); `event_id` is the `webhook-id`. `schedule_step` indexes the
 * retry schedule and restarts at 0 on a manual retry or replay; `attempt_count` only grows.
 * `claim_token` and `next_attempt_at` form the worker's lease: a claimed delivery's
 * `next_attempt_at` is pushed past the attempt's timeout, so a crashed worker's delivery becomes
 * due again (at least once) while a live one's is never claimed twice.
 */
@Entity('deliveries')
@Index('ux_deliveries_connector_event', ['connectorId', 'eventId'], { unique: true })
@Index('ix_deliveries_connector_status', ['workspaceId', 'connectorId', 'status', 'id'])
@Index('ix_deliveries_connector_list', ['workspaceId', 'connectorId', 'id'])
// The workers' claim and lease count: a connector's deliveries still to send, by due time.
@Index('ix_deliveries_due', ['connectorId', 'nextAttemptAt'], {
  where: `status IN ('pending', 'failed')`,
})
@Check('ck_deliveries_status', `status IN ('pending', 'succeeded', 'failed', 'dead')`)
export class DeliveryEntity extends BaseEntity {
  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'connector_id', type: 'uuid' })
  @ForeignKey('ConnectorEntity', { onDelete: 'CASCADE' })
  connectorId: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 100 })
  eventType: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: string;

  @Column({ name: 'attempt_count', type: 'integer', default: 0 })
  attemptCount: number;

  @Column({ name: 'schedule_step', type: 'integer', default: 0 })
  scheduleStep: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken: string | null;

  @Column({ name: 'event_occurred_at', type: 'timestamptz' })
  eventOccurredAt: Date;
}

import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { INBOUND_DELIVERY_ID_MAX } from '../connector.constants.js';

/**
 * One request received on an inbound hook. Verified requests carry the sender's delivery id,
 * unique per connector: a replayed delivery answers 200 and has no second effect.
 */
@Entity('inbound_events')
@Index('ix_inbound_events_connector_list', ['workspaceId', 'connectorId', 'id'])
@Index('ux_inbound_events_replay', ['connectorId', 'deliveryId'], {
  unique: true,
  where: 'verified',
})
@Check('ck_inbound_events_result', `result IN ('created', 'failed', 'rejected', 'skipped')`)
export class InboundEventEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'connector_id', type: 'uuid' })
  @ForeignKey('ConnectorEntity', { onDelete: 'CASCADE' })
  connectorId: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: INBOUND_DELIVERY_ID_MAX, nullable: true })
  deliveryId: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'boolean' })
  verified: boolean;

  @Column({ type: 'varchar', length: 16 })
  result: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'entity_type', type: 'varchar', length: 50, nullable: true })
  entityType: string | null;

  @Column({ name: 'entity_id', type: 'uuid', nullable: true })
  entityId: string | null;
}

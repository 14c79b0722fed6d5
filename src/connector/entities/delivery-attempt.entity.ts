import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/** One HTTP attempt of a delivery, kept for the delivery view, the breaker and the health. */
@Entity('delivery_attempts')
@Index('ix_delivery_attempts_delivery', ['workspaceId', 'deliveryId', 'at'])
// Breaker window and 24 h success rate: the connector's recent attempts.
@Index('ix_delivery_attempts_connector_time', ['connectorId', 'at'])
export class DeliveryAttemptEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  @ForeignKey('DeliveryEntity', { onDelete: 'CASCADE' })
  deliveryId: string;

  @Column({ name: 'connector_id', type: 'uuid' })
  @ForeignKey('ConnectorEntity', { onDelete: 'CASCADE' })
  connectorId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'boolean' })
  success: boolean;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs: number;

  @Column({ name: 'error_class', type: 'varchar', length: 32, nullable: true })
  errorClass: string | null;

  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;
}

import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';
import {
  CONNECTOR_DESCRIPTION_MAX,
  CONNECTOR_NAME_MAX,
  CONNECTOR_URL_MAX,
} from '../connector.constants.js';

/**
 * A connector: an outbound target (webhook, chat) or an inbound hook. Type-specific settings
 * (inbound verifier and mapping) are in `config`; `url` and `events` are columns because the
 * fan-out and the worker read them on every event. Secrets are AES-256-GCM sealed (SecretBox),
 * bound to the row id. The circuit breaker's state lives here so every instance shares it.
 */
@Entity('connectors')
@Index('ux_connectors_workspace_id', ['workspaceId', 'id'], { unique: true })
// The fan-out looks up the enabled connectors of the events' workspaces.
@Index('ix_connectors_workspace_enabled', ['workspaceId', 'enabled', 'kind'])
@Check('ck_connectors_kind', `kind IN ('webhook', 'inbound', 'chat')`)
@Check('ck_connectors_breaker_state', `breaker_state IN ('closed', 'open', 'half_open')`)
@Check('ck_connectors_name_length', `char_length(name) BETWEEN 1 AND ${CONNECTOR_NAME_MAX}`)
export class ConnectorEntity extends VersionedEntity {
  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'varchar', length: CONNECTOR_NAME_MAX })
  name: string;

  @Column({ type: 'varchar', length: CONNECTOR_DESCRIPTION_MAX, nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /**
   * Events that occurred before this instant are never queued: set at create, at re-enable and
   * when the subscription changes ("not queued while disabled or before it subscribed").
   */
  @Column({ name: 'subscribed_since', type: 'timestamptz' })
  subscribedSince: Date;

  @Column({ type: 'varchar', length: CONNECTOR_URL_MAX, nullable: true })
  url: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  events: string[];

  @Column({ type: 'jsonb', default: () => "'{}'" })
  config: Record<string, unknown>;

  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true })
  previousSecretSealed: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ name: 'breaker_state', type: 'varchar', length: 16, default: 'closed' })
  breakerState: string;

  @Column({ name: 'breaker_opened_at', type: 'timestamptz', nullable: true })
  breakerOpenedAt: Date | null;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;
}

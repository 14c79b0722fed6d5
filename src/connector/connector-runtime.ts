import { Inject, Injectable } from '@nestjs/common';
import { connectorConfig, type ConnectorConfig } from '../config/app.config.js';
import { isKnownSubscription } from '../kernel/index.js';
import { resolveConnectorSecretKey, SecretBox } from './connector-secrets.js';
import type { ConnectorRow } from './connector.queries.js';
import type { TargetPolicy } from './ssrf-guard.js';
import type { SettingsContext } from './types/connector-type.js';

/**
 * The module's configuration in the shapes its parts need: the SSRF policy, the secret box,
 * the settings context of connector types, and the active signing secrets of a connector.
 */
@Injectable()
export class ConnectorRuntime {
  readonly policy: TargetPolicy;
  readonly box: SecretBox;
  readonly settingsContext: SettingsContext;

  constructor(@Inject(connectorConfig.KEY) readonly config: ConnectorConfig) {
    this.policy = { allowPrivate: config.allowPrivateTargets, allowedCidrs: config.allowedCidrs };
    this.box = new SecretBox(resolveConnectorSecretKey(config.secretKey, config.dataDir));
    this.settingsContext = { policy: this.policy, isKnownSubscription };
  }

  /** The current secret and, until its expiry, the previous one (both sign and verify). */
  activeSecrets(
    row: Pick<
      ConnectorRow,
      'id' | 'secretSealed' | 'previousSecretSealed' | 'previousSecretExpiresAt'
    >,
    now: Date,
  ): string[] {
    const secrets = [this.box.open(row.secretSealed, row.id)];
    if (
      row.previousSecretSealed &&
      row.previousSecretExpiresAt &&
      new Date(row.previousSecretExpiresAt) > now
    ) {
      secrets.push(this.box.open(row.previousSecretSealed, row.id));
    }
    return secrets;
  }
}

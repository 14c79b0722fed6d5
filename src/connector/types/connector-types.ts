import type { ConnectorType } from './connector-type.js';
import { ChatConnectorType } from './chat.connector-type.js';
import { InboundHookConnectorType } from './inbound.connector-type.js';
import { WebhookConnectorType } from './webhook.connector-type.js';

/** The registration: every connector type the API accepts, by `kind`. */
export const CONNECTOR_TYPES: readonly ConnectorType[] = [
  new WebhookConnectorType(),
  new InboundHookConnectorType(),
  new ChatConnectorType(),
];

const byKind = new Map(CONNECTOR_TYPES.map((t) => [t.kind, t]));

export function connectorType(kind: string): ConnectorType | undefined {
  return byKind.get(kind);
}

export function connectorKinds(): string[] {
  return [...byKind.keys()];
}

import type { ConnectorEvent } from './connector-type.js';
import { UrlConnectorType } from './outbound-settings.js';

/** The body of a Standard Webhooks delivery: `{type, timestamp, data}`. */
export function webhookBody(event: ConnectorEvent): string {
  return JSON.stringify({
    type: event.action,
    timestamp: event.occurredAt,
    data: {
      id: event.id,
      workspaceId: event.workspaceId,
      actor: event.actor,
      entityType: event.entityType,
      entityId: event.entityId,
      changes: event.changes,
      occurredAt: event.occurredAt,
    },
  });
}

/** Outbound webhook: Standard Webhooks JSON of the event to any HTTPS endpoint. */
export class WebhookConnectorType extends UrlConnectorType {
  readonly kind = 'webhook';
  readonly summary = 'Signed Standard Webhooks POST of each subscribed event.';

  render(event: ConnectorEvent): string {
    return webhookBody(event);
  }
}

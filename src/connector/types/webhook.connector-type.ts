import type {
  ConnectorEvent,
  ConnectorSettings,
  ConnectorSettingsInput,
  OutboundConnectorType,
  ParsedSettings,
  SettingsContext,
} from './connector-type.js';
import { parseOutboundSettings } from './outbound-settings.js';

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
export class WebhookConnectorType implements OutboundConnectorType {
  readonly kind = 'webhook';
  readonly direction = 'outbound';
  readonly summary = 'Signed Standard Webhooks POST of each subscribed event.';

  parseSettings(input: ConnectorSettingsInput, ctx: SettingsContext): Promise<ParsedSettings> {
    return parseOutboundSettings(input, ctx);
  }

  describe(settings: ConnectorSettings): Record<string, unknown> {
    return { url: settings.url, events: settings.events };
  }

  render(event: ConnectorEvent): string {
    return webhookBody(event);
  }
}

import type { ConnectorEvent } from './connector-type.js';
import { UrlConnectorType } from './outbound-settings.js';

/** Chat messages stay short: long values are cut with an ellipsis. */
const VALUE_MAX_CHARS = 80;
const FIELDS_MAX = 5;

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return text.length > VALUE_MAX_CHARS ? `${text.slice(0, VALUE_MAX_CHARS - 1)}…` : text;
}

/** One line per event: what happened, by whom, and the first few changed fields. */
export function chatText(event: ConnectorEvent): string {
  const who = event.actor.id ? `${event.actor.type} ${event.actor.id}` : event.actor.type;
  const what = event.entityId ? `${event.entityType} ${event.entityId}` : event.entityType;
  const fields = Object.entries(event.changes)
    .slice(0, FIELDS_MAX)
    .map(([k, c]) => `${k}: ${show(c.from)} → ${show(c.to)}`);
  const more = Object.keys(event.changes).length > FIELDS_MAX ? ' …' : '';
  const details = fields.length > 0 ? ` (${fields.join('; ')}${more})` : '';
  return `*${event.action}* on ${what} by ${who}${details}`;
}

/**
 * Chat incoming webhook (Slack, Mattermost and compatible): posts `{"text": ...}` formatted from
 * the event. Signed like any delivery; such endpoints ignore the extra headers.
 */
export class ChatConnectorType extends UrlConnectorType {
  readonly kind = 'chat';
  readonly summary = 'Slack/Mattermost-compatible incoming webhook: {"text": ...} per event.';

  render(event: ConnectorEvent): string {
    return JSON.stringify({ text: chatText(event) });
  }
}

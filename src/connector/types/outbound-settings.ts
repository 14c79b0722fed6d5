import { CONNECTOR_MAX_EVENTS, CONNECTOR_URL_MAX } from '../connector.constants.js';
import type { FieldError } from '../../common/problem.js';
import { checkResolvedHost, checkTargetUrl } from '../ssrf-guard.js';
import type {
  ConnectorEvent,
  ConnectorSettings,
  ConnectorSettingsInput,
  OutboundConnectorType,
  ParsedSettings,
  SettingsContext,
} from './connector-type.js';

/** The settings shared by outbound types: a target URL (SSRF-checked) and event subscriptions. */
export async function parseOutboundSettings(
  input: ConnectorSettingsInput,
  ctx: SettingsContext,
): Promise<ParsedSettings> {
  const errors: FieldError[] = [];
  if (input.verifier != null)
    errors.push({ field: 'verifier', message: 'verifier applies to inbound connectors only' });
  if (input.mapping != null)
    errors.push({ field: 'mapping', message: 'mapping applies to inbound connectors only' });
  const url = input.url ?? null;
  if (!url) {
    errors.push({ field: 'url', message: 'url is required' });
  } else if (url.length > CONNECTOR_URL_MAX) {
    errors.push({ field: 'url', message: `url must be at most ${CONNECTOR_URL_MAX} characters` });
  } else {
    const reason = checkTargetUrl(url, ctx.policy) ?? (await resolvedRefusal(url, ctx));
    if (reason) errors.push({ field: 'url', message: `url ${reason}` });
  }
  const events = [...new Set(input.events ?? [])];
  if (events.length === 0)
    errors.push({ field: 'events', message: 'events must name at least one event or prefix' });
  if (events.length > CONNECTOR_MAX_EVENTS)
    errors.push({ field: 'events', message: `at most ${CONNECTOR_MAX_EVENTS} events` });
  for (const e of events) {
    if (!ctx.isKnownSubscription(e)) {
      errors.push({
        field: 'events',
        message: `"${e}" is not a deliverable event or prefix (see the event catalogue)`,
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, settings: { url, events: events.sort(), config: {} } };
}

async function resolvedRefusal(url: string, ctx: SettingsContext): Promise<string | null> {
  const host = new URL(url).hostname;
  if (host.startsWith('[') || /^[\d.]+$/.test(host)) return null; // literal: already checked
  const reason = await checkResolvedHost(host, ctx.policy);
  return reason ? `targets a refused address: ${reason}` : null;
}

/**
 * An outbound type whose settings are a target URL and event subscriptions (`webhook`, `chat`):
 * a subclass names itself and renders an event; parsing and showing the settings are shared.
 */
export abstract class UrlConnectorType implements OutboundConnectorType {
  abstract readonly kind: string;
  abstract readonly summary: string;
  readonly direction = 'outbound';

  parseSettings(input: ConnectorSettingsInput, ctx: SettingsContext): Promise<ParsedSettings> {
    return parseOutboundSettings(input, ctx);
  }

  describe(settings: ConnectorSettings): Record<string, unknown> {
    return { url: settings.url, events: settings.events };
  }

  abstract render(event: ConnectorEvent): string;
}

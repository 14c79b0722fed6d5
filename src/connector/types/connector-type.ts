import type { FieldError } from '../../common/problem.js';
import type { InboundHeaders, VerifyResult } from '../inbound-verifiers.js';
import type { TargetPolicy } from '../ssrf-guard.js';

/**
 * How to add a connector type (README "Connectors" has a worked example):
 * 1. Write one class implementing `OutboundConnectorType` (it renders a committed event into
 *    the request body the target expects; `UrlConnectorType` when its settings are a URL and
 *    event subscriptions) or `InboundConnectorType` (it verifies a request and maps its
 *    payload to a create body).
 * 2. Add the class to `CONNECTOR_TYPES` in `connector-types.ts`.
 * Nothing else changes: the routes, fan-out, worker (signing, SSRF guard, retries, breaker)
 * and inbound pipeline (signature, replay, rate limit, validation) are shared by every type.
 */

/** The type-specific part of a create/update body, as the API accepts it. */
export interface ConnectorSettingsInput {
  url?: string | null;
  events?: string[] | null;
  verifier?: string | null;
  mapping?: { target?: string; boardId?: string; columnId?: string; expression?: string } | null;
}

/** What is stored for a connector beyond its common fields. */
export interface ConnectorSettings {
  url: string | null;
  events: string[];
  /** Type-specific settings (JSON); never secrets. */
  config: Record<string, unknown>;
}

export interface SettingsContext {
  policy: TargetPolicy;
  /** The typed event catalogue's check for a subscription pattern (`card.*`, `note.created`). */
  isKnownSubscription: (pattern: string) => boolean;
}

export type ParsedSettings =
  { ok: true; settings: ConnectorSettings } | { ok: false; errors: FieldError[] };

/** A committed event as connectors see it (the event log's shape, without chain internals). */
export interface ConnectorEvent {
  id: string;
  workspaceId: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: { type: string; id: string | null };
  changes: Record<string, { from: unknown; to: unknown }>;
  occurredAt: string;
}

interface ConnectorTypeBase {
  /** The `kind` clients send, e.g. `webhook`. */
  readonly kind: string;
  /** One line for the API documentation. */
  readonly summary: string;
  /**
   * Validates the type-specific fields of a body (on PATCH: the stored settings merged with the
   * change) and returns what to store, or field errors answered as 422. Fields the type does
   * not use must be absent.
   */
  parseSettings(input: ConnectorSettingsInput, ctx: SettingsContext): Promise<ParsedSettings>;
  /** The settings as the API shows them to every member: masked, never a secret. */
  describe(settings: ConnectorSettings): Record<string, unknown>;
}

export interface OutboundConnectorType extends ConnectorTypeBase {
  readonly direction: 'outbound';
  /**
   * The exact request body for one event (signed and sent as is on every attempt, with the
   * Standard Webhooks headers). Must be deterministic for an event.
   */
  render(event: ConnectorEvent): string;
}

/** What an inbound payload becomes: a create body for one of the targets. */
export interface InboundMappingResult {
  target: string;
  /** boardId/columnId (card) and the like: where the created entity goes. */
  placement: Record<string, string>;
  body: Record<string, unknown>;
}

export interface InboundConnectorType extends ConnectorTypeBase {
  readonly direction: 'inbound';
  /** Checks the request's signature over the raw bytes; names its replay key. */
  verify(
    settings: ConnectorSettings,
    secrets: readonly string[],
    headers: InboundHeaders,
    raw: Buffer,
    now: Date,
  ): VerifyResult;
  /** Turns the parsed payload into a create body (throws MappingError for a 422). */
  map(settings: ConnectorSettings, payload: unknown): Promise<InboundMappingResult>;
}

export type ConnectorType = OutboundConnectorType | InboundConnectorType;

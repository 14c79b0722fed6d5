import { isUUID } from 'class-validator';
import type { FieldError } from '../../common/problem.js';
import { compileMapping, evaluateMapping } from '../inbound-mapping.js';
import {
  INBOUND_VERIFIERS,
  verifyInbound,
  type InboundHeaders,
  type InboundVerifier,
  type VerifyResult,
} from '../inbound-verifiers.js';
import type {
  ConnectorSettings,
  ConnectorSettingsInput,
  InboundConnectorType,
  InboundMappingResult,
  ParsedSettings,
} from './connector-type.js';

export const INBOUND_TARGETS = ['card', 'note', 'reminder'] as const;
export type InboundTarget = (typeof INBOUND_TARGETS)[number];

interface InboundConfig {
  verifier: InboundVerifier;
  mapping: { target: InboundTarget; boardId?: string; columnId?: string; expression: string };
}

/** Inbound hook: a signed request from outside becomes a card, a note or a reminder. */
export class InboundHookConnectorType implements InboundConnectorType {
  readonly kind = 'inbound';
  readonly direction = 'inbound';
  readonly summary =
    'Receives signed webhooks and maps them (JSONata) to a card, note or reminder.';

  parseSettings(input: ConnectorSettingsInput): Promise<ParsedSettings> {
    const errors: FieldError[] = [];
    if (input.url != null)
      errors.push({ field: 'url', message: 'url applies to outbound connectors only' });
    if (input.events != null && input.events.length > 0) {
      errors.push({ field: 'events', message: 'events apply to outbound connectors only' });
    }
    const verifier = input.verifier ?? 'standard';
    if (!(INBOUND_VERIFIERS as readonly string[]).includes(verifier)) {
      errors.push({
        field: 'verifier',
        message: `verifier must be one of ${INBOUND_VERIFIERS.join(', ')}`,
      });
    }
    const m = input.mapping;
    if (!m) {
      errors.push({ field: 'mapping', message: 'mapping is required' });
    } else {
      if (!m.target || !(INBOUND_TARGETS as readonly string[]).includes(m.target)) {
        errors.push({
          field: 'mapping.target',
          message: `target must be one of ${INBOUND_TARGETS.join(', ')}`,
        });
      }
      if (m.target === 'card') {
        if (!m.boardId || !isUUID(m.boardId))
          errors.push({ field: 'mapping.boardId', message: 'a card mapping needs boardId (uuid)' });
        if (!m.columnId || !isUUID(m.columnId))
          errors.push({
            field: 'mapping.columnId',
            message: 'a card mapping needs columnId (uuid)',
          });
      } else if (m.boardId != null || m.columnId != null) {
        errors.push({
          field: 'mapping.boardId',
          message: 'boardId and columnId apply to card mappings only',
        });
      }
      if (!m.expression) {
        errors.push({ field: 'mapping.expression', message: 'expression is required' });
      } else {
        try {
          compileMapping(m.expression);
        } catch (err) {
          errors.push({ field: 'mapping.expression', message: (err as Error).message });
        }
      }
    }
    if (errors.length > 0 || !m) return Promise.resolve({ ok: false, errors });
    const mapping: InboundConfig['mapping'] = {
      target: m.target as InboundTarget,
      expression: m.expression as string,
      ...(m.target === 'card' ? { boardId: m.boardId, columnId: m.columnId } : {}),
    };
    const config: InboundConfig = { verifier: verifier as InboundVerifier, mapping };
    return Promise.resolve({
      ok: true,
      settings: { url: null, events: [], config: { ...config } },
    });
  }

  describe(settings: ConnectorSettings): Record<string, unknown> {
    const config = settings.config as unknown as InboundConfig;
    return { verifier: config.verifier, mapping: config.mapping };
  }

  verify(
    settings: ConnectorSettings,
    secrets: readonly string[],
    headers: InboundHeaders,
    raw: Buffer,
    now: Date,
  ): VerifyResult {
    return verifyInbound(
      (settings.config as unknown as InboundConfig).verifier,
      secrets,
      headers,
      raw,
      now,
    );
  }

  async map(settings: ConnectorSettings, payload: unknown): Promise<InboundMappingResult> {
    const { mapping } = settings.config as unknown as InboundConfig;
    const body = await evaluateMapping(mapping.expression, payload);
    const placement: Record<string, string> = {};
    if (mapping.boardId) placement.boardId = mapping.boardId;
    if (mapping.columnId) placement.columnId = mapping.columnId;
    return { target: mapping.target, placement, body };
  }
}

import type { SettingsContext } from './connector-type.js';
import { chatText } from './chat.connector-type.js';
import { connectorKinds, connectorType } from './connector-types.js';
import { webhookBody } from './webhook.connector-type.js';

const ctx: SettingsContext = {
  policy: { allowPrivate: false, allowedCidrs: [] },
  isKnownSubscription: (p) => ['card.*', 'card.created', 'note.updated'].includes(p),
};
const event = {
  id: '0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a10',
  workspaceId: '0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a11',
  action: 'card.updated',
  entityType: 'card',
  entityId: '0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a12',
  actor: { type: 'user', id: 'u1' },
  changes: { title: { from: 'Old', to: 'New' } },
  occurredAt: '2026-01-01T00:00:00.000Z',
};

describe('connector types', () => {
  it('registers webhook, inbound and chat', () => {
    expect(connectorKinds().sort()).toEqual(['chat', 'inbound', 'webhook']);
    expect(connectorType('email')).toBeUndefined();
  });

  it('webhook body is {type, timestamp, data} with the event', () => {
    expect(JSON.parse(webhookBody(event))).toEqual({
      type: 'card.updated',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: expect.objectContaining({ id: event.id, actor: event.actor, changes: event.changes }),
    });
  });

  it('chat posts {text} formatted from the event', () => {
    const chat = connectorType('chat');
    expect(chat?.direction).toBe('outbound');
    const body = chat?.direction === 'outbound' ? JSON.parse(chat.render(event)) : null;
    expect(body).toEqual({ text: chatText(event) });
    expect(body.text).toContain('*card.updated*');
    expect(body.text).toContain('title: Old → New');
  });

  it('outbound settings: SSRF-checked https url and known events, else field errors', async () => {
    const webhook = connectorType('webhook');
    await expect(
      webhook?.parseSettings({ url: 'https://93.184.216.34/h', events: ['card.*'] }, ctx),
    ).resolves.toEqual({
      ok: true,
      settings: { url: 'https://93.184.216.34/h', events: ['card.*'], config: {} },
    });
    const bad = await webhook?.parseSettings(
      { url: 'https://2130706433/h', events: ['card.nope'], verifier: 'github' },
      ctx,
    );
    expect(bad?.ok).toBe(false);
    const fields = bad && !bad.ok ? bad.errors.map((e) => e.field).sort() : [];
    expect(fields).toEqual(['events', 'url', 'verifier']);
  });

  it('inbound settings: verifier, mapping target and a safe expression', async () => {
    const inbound = connectorType('inbound');
    const ok = await inbound?.parseSettings(
      { verifier: 'github', mapping: { target: 'note', expression: '{"title": title}' } },
      ctx,
    );
    expect(ok?.ok).toBe(true);
    const bad = await inbound?.parseSettings(
      { url: 'https://x', mapping: { target: 'card', expression: '$eval("1")' } },
      ctx,
    );
    const fields = bad && !bad.ok ? bad.errors.map((e) => e.field).sort() : [];
    expect(fields).toEqual(['mapping.boardId', 'mapping.columnId', 'mapping.expression', 'url']);
  });
});

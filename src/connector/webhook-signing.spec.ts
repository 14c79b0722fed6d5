import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from './connector-secrets.js';
import { signWebhook } from './webhook-signing.js';

describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({
    type: 'card.created',
    timestamp: '2026-01-01T00:00:00.000Z',
    data: { a: 'é' },
  });

  it('matches the specification vector (HMAC-SHA256 of id.timestamp.body, base64 key)', () => {
    // The example secret and message of the Standard Webhooks specification.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const at = new Date(1614265330 * 1000);
    const headers = signWebhook('msg_p5jXN8AQM9LWM0D4loKWxJek', at, '{"test": 2432232314}', [
      secret,
    ]);
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(headers['webhook-timestamp']).toBe('1614265330');
  });

  it('is verified by the standardwebhooks receiver; a changed byte is not', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook('evt_1', new Date(), body, [secret]);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('é', 'e'), { ...headers })).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('during a rotation carries two space-separated signatures, each verifiable alone', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const headers = signWebhook('evt_2', new Date(), body, [current, previous]);
    const parts = headers['webhook-signature'].split(' ');
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.startsWith('v1,'))).toBe(true);
    expect(new Webhook(current).verify(body, { ...headers })).toBeTruthy();
    expect(new Webhook(previous).verify(body, { ...headers })).toBeTruthy();
    const expected = createHmac('sha256', Buffer.from(previous.slice(6), 'base64'))
      .update(`evt_2.${headers['webhook-timestamp']}.${body}`)
      .digest('base64');
    expect(parts[1]).toBe(`v1,${expected}`);
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook('x', new Date(), body, [])).toThrow();
  });
});

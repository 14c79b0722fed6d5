import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from './connector-secrets.js';
import { verifyInbound } from './inbound-verifiers.js';

const now = new Date();
const nowS = Math.floor(now.getTime() / 1000);
const raw = Buffer.from('{"id":"evt_9","title":"Hello"}');

describe('inbound verifiers', () => {
  describe('standard', () => {
    const secret = generateWebhookSecret();
    const sign = (ts: number, body = raw): Record<string, string> => ({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': new Webhook(secret).sign('msg_1', new Date(ts * 1000), body),
    });
    it('accepts a valid signature and names the delivery id', () => {
      expect(verifyInbound('standard', [secret], sign(nowS), raw, now)).toEqual({
        ok: true,
        deliveryId: 'msg_1',
      });
    });
    it('accepts the previous secret during a rotation', () => {
      expect(
        verifyInbound('standard', [generateWebhookSecret(), secret], sign(nowS), raw, now).ok,
      ).toBe(true);
    });
    it('refuses a wrong secret, a changed body, a stale or future timestamp, missing headers', () => {
      expect(verifyInbound('standard', [generateWebhookSecret()], sign(nowS), raw, now).ok).toBe(
        false,
      );
      expect(
        verifyInbound('standard', [secret], sign(nowS), Buffer.from('{"id":"evt_9"}'), now).ok,
      ).toBe(false);
      expect(verifyInbound('standard', [secret], sign(nowS - 301), raw, now)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/tolerance/),
      });
      expect(verifyInbound('standard', [secret], sign(nowS + 301), raw, now).ok).toBe(false);
      expect(verifyInbound('standard', [secret], {}, raw, now).ok).toBe(false);
    });
  });

  describe('github', () => {
    const secret = 'gh-secret';
    const sig = (body: Buffer, s = secret): string =>
      `sha256=${createHmac('sha256', s).update(body).digest('hex')}`;
    it('checks X-Hub-Signature-256 over the raw bytes and uses X-GitHub-Delivery', () => {
      expect(
        verifyInbound(
          'github',
          [secret],
          { 'x-hub-signature-256': sig(raw), 'x-github-delivery': 'd-1' },
          raw,
          now,
        ),
      ).toEqual({ ok: true, deliveryId: 'd-1' });
      expect(
        verifyInbound('github', [secret], { 'x-hub-signature-256': sig(raw, 'other') }, raw, now)
          .ok,
      ).toBe(false);
      expect(
        verifyInbound('github', [secret], { 'x-hub-signature-256': 'sha1=abc' }, raw, now).ok,
      ).toBe(false);
    });
  });

  describe('stripe', () => {
    const secret = 'whsec_stripe';
    const header = (t: number, s = secret): string =>
      `t=${t},v1=${createHmac('sha256', s).update(`${t}.${raw.toString()}`).digest('hex')},v0=ignored`;
    it('checks t=...,v1=... with the 5-minute tolerance and uses the body id', () => {
      expect(
        verifyInbound('stripe', [secret], { 'stripe-signature': header(nowS) }, raw, now),
      ).toEqual({ ok: true, deliveryId: 'evt_9' });
      expect(
        verifyInbound('stripe', [secret], { 'stripe-signature': header(nowS - 400) }, raw, now).ok,
      ).toBe(false);
      expect(
        verifyInbound('stripe', [secret], { 'stripe-signature': header(nowS, 'x') }, raw, now).ok,
      ).toBe(false);
      expect(
        verifyInbound('stripe', [secret], { 'stripe-signature': 'garbage' }, raw, now).ok,
      ).toBe(false);
    });
  });
});

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const INBOUND_VERIFIERS = ['standard', 'github', 'stripe'] as const;
export type InboundVerifier = (typeof INBOUND_VERIFIERS)[number];

/** ±5 minutes, for the profiles that sign a timestamp (Standard Webhooks, Stripe). */
export const INBOUND_TOLERANCE_SECONDS = 5 * 60;
const MS_PER_SECOND = 1000;

export type InboundHeaders = Record<string, string | string[] | undefined>;

export type VerifyResult = { ok: true; deliveryId: string } | { ok: false; reason: string };

function header(headers: InboundHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqualHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function withinTolerance(seconds: number, now: Date): boolean {
  return Math.abs(now.getTime() / MS_PER_SECOND - seconds) <= INBOUND_TOLERANCE_SECONDS;
}

const bodyDigest = (raw: Buffer): string => createHash('sha256').update(raw).digest('hex');

/**
 * Checks an inbound request's signature on the raw body bytes with any of the connector's
 * active secrets (current and, during a rotation, previous), and names the delivery id used as
 * the replay key. Standard Webhooks secrets are used as the spec says (base64 after `whsec_`);
 * GitHub and Stripe use the secret string itself as the HMAC key, as those senders do.
 */
export function verifyInbound(
  profile: InboundVerifier,
  secrets: readonly string[],
  headers: InboundHeaders,
  raw: Buffer,
  now: Date,
): VerifyResult {
  switch (profile) {
    case 'standard':
      return verifyStandard(secrets, headers, raw, now);
    case 'github':
      return verifyGithub(secrets, headers, raw);
    case 'stripe':
      return verifyStripe(secrets, headers, raw, now);
  }
}

function verifyStandard(
  secrets: readonly string[],
  headers: InboundHeaders,
  raw: Buffer,
  now: Date,
): VerifyResult {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sig = header(headers, 'webhook-signature');
  if (!id || !ts || !sig)
    return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  if (!/^\d+$/.test(ts) || !withinTolerance(Number(ts), now)) {
    return { ok: false, reason: 'webhook-timestamp is outside the 5-minute tolerance' };
  }
  const wanted = { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig };
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(raw, wanted);
      return { ok: true, deliveryId: id };
    } catch {
      // try the next active secret
    }
  }
  return { ok: false, reason: 'no signature matches' };
}

function verifyGithub(
  secrets: readonly string[],
  headers: InboundHeaders,
  raw: Buffer,
): VerifyResult {
  const sig = header(headers, 'x-hub-signature-256');
  if (!sig?.startsWith('sha256=')) return { ok: false, reason: 'missing X-Hub-Signature-256' };
  const given = sig.slice('sha256='.length);
  const match = secrets.some((s) =>
    safeEqualHex(createHmac('sha256', s).update(raw).digest('hex'), given),
  );
  if (!match) return { ok: false, reason: 'no signature matches' };
  // GitHub names every delivery; without the header, identical bodies are one delivery.
  return {
    ok: true,
    deliveryId: header(headers, 'x-github-delivery') ?? `sha256:${bodyDigest(raw)}`,
  };
}

function verifyStripe(
  secrets: readonly string[],
  headers: InboundHeaders,
  raw: Buffer,
  now: Date,
): VerifyResult {
  const sig = header(headers, 'stripe-signature');
  if (!sig) return { ok: false, reason: 'missing Stripe-Signature' };
  const pairs = sig.split(',').map((p) => p.trim().split('=', 2) as [string, string?]);
  const t = pairs.find(([k]) => k === 't')?.[1];
  const v1s = pairs.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v as string);
  if (!t || !/^\d+$/.test(t) || v1s.length === 0)
    return { ok: false, reason: 'malformed Stripe-Signature' };
  if (!withinTolerance(Number(t), now))
    return { ok: false, reason: 't is outside the 5-minute tolerance' };
  const signed = Buffer.concat([Buffer.from(`${t}.`, 'utf8'), raw]);
  const match = secrets.some((s) => {
    const expected = createHmac('sha256', s).update(signed).digest('hex');
    return v1s.some((v) => safeEqualHex(expected, v));
  });
  if (!match) return { ok: false, reason: 'no signature matches' };
  return { ok: true, deliveryId: stripeEventId(raw) ?? `sha256:${bodyDigest(signed)}` };
}

/** Stripe-style senders put the event id in the body; it is the natural replay key. */
function stripeEventId(raw: Buffer): string | null {
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as { id?: unknown };
    return typeof parsed.id === 'string' && parsed.id.length > 0 ? parsed.id : null;
  } catch {
    return null;
  }
}

import { Webhook } from 'standardwebhooks';

/** Standard Webhooks request headers for one attempt. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one attempt per the Standard Webhooks spec with every active secret (the current one
 * and, during a rotation's grace period, the previous one): `v1,<sig>` entries separated by a
 * space, so a receiver holding either secret verifies. The body must be the exact bytes sent.
 */
export function signWebhook(
  msgId: string,
  at: Date,
  body: string,
  secrets: readonly string[],
): SignedHeaders {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  const signatures = secrets.map((secret) => new Webhook(secret).sign(msgId, at, body));
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Standard Webhooks secrets are `whsec_` + base64 of the raw HMAC key. */
export const SECRET_PREFIX = 'whsec_';
/** 32 bytes = the HMAC-SHA256 block-size-safe key length Standard Webhooks recommends (24-64). */
export const SECRET_BYTES = 32;
export const ENCRYPTION_KEY_BYTES = 32;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
/** Version prefix of a stored ciphertext, so a later key rotation or cipher change can coexist. */
const CIPHERTEXT_VERSION = 'v1';
const KEY_FILE = 'connector-secret-key';

/** A fresh signing secret, shown to the admin once. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

export class SecretKeyError extends Error {}

/** Decodes CONNECTOR_SECRET_KEY (base64 of exactly 32 bytes). */
export function decodeSecretKey(value: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== ENCRYPTION_KEY_BYTES || key.toString('base64') !== value.trim()) {
    throw new SecretKeyError(
      `CONNECTOR_SECRET_KEY: must be base64 of exactly ${ENCRYPTION_KEY_BYTES} bytes`,
    );
  }
  return key;
}

/**
 * The key that encrypts connector secrets at rest: the configured one, or (outside production,
 * where config validation requires it) one generated on first start and kept in DATA_DIR with
 * mode 0600, like the JWT secret, so stored secrets survive restarts.
 */
export function resolveConnectorSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return decodeSecretKey(configured);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, KEY_FILE);
  try {
    return decodeSecretKey(readFileSync(file, 'utf8').trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const encoded = randomBytes(ENCRYPTION_KEY_BYTES).toString('base64');
    writeFileSync(file, encoded, { mode: 0o600, flag: 'wx' });
    return decodeSecretKey(encoded);
  }
}

/**
 * AES-256-GCM sealing of secrets at rest. The connector id is bound as additional data, so a
 * ciphertext copied onto another connector's row does not decrypt there.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== ENCRYPTION_KEY_BYTES)
      throw new SecretKeyError('secret key must be 32 bytes');
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [CIPHERTEXT_VERSION, iv, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
      .join('.');
  }

  open(sealed: string, boundTo: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== CIPHERTEXT_VERSION || !iv || !tag || body === undefined) {
      throw new SecretKeyError('unrecognised sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'), {
      authTagLength: GCM_TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}

import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  decodeSecretKey,
  generateWebhookSecret,
  resolveConnectorSecretKey,
  SecretBox,
} from './connector-secrets.js';

describe('connector secrets', () => {
  it('generates whsec_ + base64 of 32 random bytes, never twice the same', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('seals with AES-256-GCM: round trip, no plaintext in the ciphertext, bound to the connector', () => {
    const box = new SecretBox(randomBytes(32));
    const secret = generateWebhookSecret();
    const sealed = box.seal(secret, 'connector-1');
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed, 'connector-1')).toBe(secret);
    expect(() => box.open(sealed, 'connector-2')).toThrow();
    expect(box.seal(secret, 'connector-1')).not.toBe(sealed); // fresh IV each time
  });

  it('refuses a tampered ciphertext and a wrong key', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('whsec_x', 'c');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64');
    body[0] ^= 1;
    parts[3] = body.toString('base64');
    expect(() => box.open(parts.join('.'), 'c')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'c')).toThrow();
  });

  it('requires CONNECTOR_SECRET_KEY to be base64 of exactly 32 bytes', () => {
    expect(decodeSecretKey(randomBytes(32).toString('base64'))).toHaveLength(32);
    expect(() => decodeSecretKey(randomBytes(16).toString('base64'))).toThrow(
      /CONNECTOR_SECRET_KEY/,
    );
    expect(() => decodeSecretKey('not base64!')).toThrow(/CONNECTOR_SECRET_KEY/);
  });

  it('generates the key into DATA_DIR once (mode 0600) and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-key-'));
    const first = resolveConnectorSecretKey(undefined, dir);
    const second = resolveConnectorSecretKey(undefined, dir);
    expect(second.equals(first)).toBe(true);
    const file = join(dir, 'connector-secret-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8'), 'base64').equals(first)).toBe(true);
    const configured = randomBytes(32);
    expect(resolveConnectorSecretKey(configured.toString('base64'), dir).equals(configured)).toBe(
      true,
    );
  });
});

import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults (OWASP: m=19 MiB, t=2, p=1). */
export const hashPassword = (password: string): Promise<string> => hash(password);

export const verifyPassword = (digest: string, password: string): Promise<boolean> =>
  verify(digest, password).catch(() => false);

/**
 * A hash of a password nobody knows: login verifies against it when the email is unknown, so
 * that both failures take the same time and answer the same 401.
 */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => (decoy ??= hash('decoy-password-never-used'));

/**
 * Bearer tokens: 256 random bits, base64url, with a readable prefix. Only the
 * SHA-256 hash is stored. A fast hash is right here: the tokens carry 256 bits
 * of entropy, so there is nothing for a slow password hash to protect against,
 * and every request must look its token up.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Generates a new token with the given prefix (`prk` API token, `prp` participant token). */
export function generateToken(prefix: 'prk' | 'prp'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

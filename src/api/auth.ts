/**
 * Authentication for the account API: `Authorization: Bearer <API token>`.
 * 401 when the token is missing or unknown, 403 when it belongs to another
 * account or lacks the permission the method needs (`Realtime` reads,
 * `Realtime Admin` reads and writes).
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError, CF_AUTH_ERROR_CODE } from './errors.ts';
import type { AppEnv } from './context.ts';
import { LRUCache } from 'lru-cache';
import { type ApiTokenRecord } from '../store/api-tokens.ts';

/**
 * How long a token lookup is trusted before the database is asked again:
 * this bounds how long a revocation made by another process (or the CLI)
 * takes to apply everywhere. Expiry is checked on every request.
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
/** `last_used_at` is written at most this often per token (not one write per request). */
export const LAST_USED_THROTTLE_MS = 60_000;

/** Reads the bearer token from the Authorization header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Middleware: resolves the API token and enforces account scope and permission. */
export function requireAccountToken(): MiddlewareHandler<AppEnv> {
  // An unknown token is cached too (as `record: undefined`), so a flood of bad tokens costs no lookups.
  const cache = new LRUCache<string, { record: ApiTokenRecord | undefined }>({
    max: CACHE_MAX,
    ttl: TOKEN_CACHE_TTL_MS,
  });
  // Token ids whose last use was written within the throttle: present means "not again yet".
  const recentlyTouched = new LRUCache<string, true>({
    max: CACHE_MAX,
    ttl: LAST_USED_THROTTLE_MS,
  });
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token)
      throw new ApiError(
        401,
        'Authentication error: missing bearer token',
        'Authorization',
        CF_AUTH_ERROR_CODE,
      );
    const now = Date.now();
    let entry = cache.get(token);
    if (!entry) {
      entry = { record: await c.get('ctx').store.tokens.find(token) };
      cache.set(token, entry);
    }
    const record =
      entry.record && (entry.record.expiresAt === undefined || entry.record.expiresAt > now)
        ? entry.record
        : undefined;
    if (!record)
      throw new ApiError(
        401,
        'Authentication error: invalid token',
        'Authorization',
        CF_AUTH_ERROR_CODE,
      );
    const accountId = c.req.param('account_id');
    if (accountId !== undefined && accountId !== record.accountId) {
      throw new ApiError(
        403,
        'Authentication error: token is not valid for this account',
        'account_id',
        CF_AUTH_ERROR_CODE,
      );
    }
    const write = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    if (write && record.permission !== 'Realtime Admin') {
      throw new ApiError(
        403,
        'Authentication error: this token has the Realtime (read-only) permission; Realtime Admin is required',
        'Authorization',
        CF_AUTH_ERROR_CODE,
      );
    }
    if (!recentlyTouched.has(record.id)) {
      recentlyTouched.set(record.id, true);
      // Bookkeeping only: a failed write must not fail the request.
      c.get('ctx')
        .store.tokens.touch(record.id, now, LAST_USED_THROTTLE_MS)
        .catch((err) =>
          console.error('token last_used_at:', err instanceof Error ? err.message : err),
        );
    }
    c.set('token', record);
    await next();
  };
}

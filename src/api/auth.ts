/**
 * Authentication for the account API: `Authorization: Bearer <API token>`.
 * 401 when the token is missing or unknown, 403 when it belongs to another
 * account or lacks the permission the method needs (`Realtime` reads,
 * `Realtime Admin` reads and writes).
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError, CF_AUTH_ERROR_CODE } from './errors.ts';
import type { AppEnv } from './context.ts';
import { findApiToken, touchApiToken, type ApiTokenRecord } from '../store/api-tokens.ts';

/**
 * How long a token lookup is trusted before the database is asked again:
 * this bounds how long a revocation made by another process (or the CLI)
 * takes to apply everywhere. Expiry is checked on every request.
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
const CACHE_TTL_MS = TOKEN_CACHE_TTL_MS;
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
  const cache = new Map<string, { record: ApiTokenRecord | undefined; at: number }>();
  const lastTouched = new Map<string, number>();
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
    if (!entry || now - entry.at > CACHE_TTL_MS) {
      entry = { record: await findApiToken(c.get('ctx').db, token), at: now };
      if (cache.size >= CACHE_MAX) cache.clear();
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
    if (now - (lastTouched.get(record.id) ?? 0) >= LAST_USED_THROTTLE_MS) {
      if (lastTouched.size >= CACHE_MAX) lastTouched.clear();
      lastTouched.set(record.id, now);
      // Bookkeeping only: a failed write must not fail the request.
      touchApiToken(c.get('ctx').db, record.id, now, LAST_USED_THROTTLE_MS).catch((err) =>
        console.error('token last_used_at:', err instanceof Error ? err.message : err),
      );
    }
    c.set('token', record);
    await next();
  };
}

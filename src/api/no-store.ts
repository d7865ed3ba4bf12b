/**
 * Middleware: every JSON answer of the API is `Cache-Control: no-store`.
 * They carry account data, and some (participant creation, token refresh)
 * carry participant tokens: no browser, proxy or CDN may keep a copy. Static
 * assets (collector bundle, dashboard) set their own caching and are left alone.
 */
import type { MiddlewareHandler } from 'hono';

/** Sets `Cache-Control: no-store` on JSON responses that do not set their own caching. */
export function noStoreJson(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (
      !headers.has('cache-control') &&
      (headers.get('content-type') ?? '').startsWith('application/json')
    )
      headers.set('Cache-Control', 'no-store');
  };
}

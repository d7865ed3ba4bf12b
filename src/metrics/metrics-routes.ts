/**
 * `GET /metrics` (Prometheus text format) and the ingest request counter.
 *
 * The endpoint is on the main listener, behind a bearer token of its own
 * (`PEER_REPORT_METRICS_TOKEN`), and off (404) while no token is configured:
 * nothing is exposed by default, a deployment scrapes the same address it
 * balances (each process or pod directly), and the metrics token grants
 * nothing else (API tokens are not accepted). The token is compared in
 * constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../api/context.ts';
import { ApiError, CF_AUTH_ERROR_CODE } from '../api/errors.ts';
import { bearerToken } from '../api/auth.ts';

/** Shortest metrics token accepted (characters), checked with the rest of the configuration. */
export { MIN_METRICS_TOKEN_LENGTH } from '../config.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Routes of the metrics endpoint. */
export function metricsRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  let expected: { token: string; hash: Buffer } | undefined;
  r.get('/metrics', async (c) => {
    const ctx = c.get('ctx');
    const configured = ctx.config.metricsToken;
    if (!configured)
      throw new ApiError(
        404,
        'the metrics endpoint is disabled: set PEER_REPORT_METRICS_TOKEN to enable it',
        undefined,
        7003,
      );
    if (expected?.token !== configured) expected = { token: configured, hash: digest(configured) };
    const given = bearerToken(c.req.header('authorization'));
    if (!given)
      throw new ApiError(
        401,
        'Authentication error: missing bearer token (the metrics token)',
        'Authorization',
        CF_AUTH_ERROR_CODE,
      );
    if (!timingSafeEqual(digest(given), expected.hash))
      throw new ApiError(
        401,
        'Authentication error: invalid metrics token',
        'Authorization',
        CF_AUTH_ERROR_CODE,
      );
    const text = await ctx.metrics.render();
    return c.body(text, 200, {
      'content-type': ctx.metrics.contentType,
      'cache-control': 'no-store',
    });
  });
  return r;
}

/** The `route` label of an ingest request path. */
function ingestRoute(method: string, path: string): string {
  if (method === 'OPTIONS') return 'preflight';
  if (path.endsWith('/batches')) return 'batches';
  if (path.endsWith('/join')) return 'join';
  if (path.endsWith('/leave')) return 'leave';
  return 'other';
}

/** Middleware on `/ingest/*`: counts each answered request by route and status class. */
export function ingestRequestMetrics(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    c.get('ctx').metrics.ingestRequest(ingestRoute(c.req.method, c.req.path), c.res.status);
  };
}

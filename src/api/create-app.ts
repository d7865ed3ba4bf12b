/**
 * The HTTP application: the RealtimeKit-compatible account API (mounted at
 * both `/client/v4` and `/`, so either SDK baseURL works), the ingest API, the
 * collector bundle and the dashboard.
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppContext, AppEnv } from './context.ts';
import { ApiError, ERROR_CODES, badRequest, errorBody, errorHeaders } from './errors.ts';
import { InvalidInput } from '../util/invalid-input.ts';
import { requireAccountToken } from './auth.ts';
import { appsRoutes } from './routes/apps.ts';
import { meetingsRoutes } from './routes/meetings.ts';
import { peerReportRoutes } from './routes/peer-report.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { collectorAssetRoutes } from './routes/collector-assets.ts';
import { compressResponses } from './compress-responses.ts';
import { extraAccountRoutes, extraPublicRoutes } from './route-registry.ts';
import { storableParams } from './storable-params.ts';
import { noStoreJson } from './no-store.ts';
import { clientAbortError, isClientAbort } from './client-abort.ts';
import { ingestRequestMetrics } from '../metrics/metrics-routes.ts';

/** Builds the Hono app around process-wide services. */
export function createHttpApp(ctx: AppContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('ctx', ctx);
    const started = performance.now();
    await next();
    if (ctx.config.logRequests) {
      // Paths only: query strings may carry an access token.
      console.log(
        `${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(1)}ms`,
      );
    }
  });
  app.use('*', compressResponses());

  app.use('*', noStoreJson());
  app.use('*', storableParams());

  const account = new Hono<AppEnv>();
  account.use('/accounts/:account_id/*', requireAccountToken());
  account.route('/', appsRoutes());
  // Literal `peer-report` segment first, before any `/sessions/:session_id` route.
  account.route('/', peerReportRoutes());
  for (const routes of extraAccountRoutes()) account.route('/', routes);
  account.route('/', meetingsRoutes());

  app.get('/healthz', (c) =>
    c.json({ success: true, data: { status: 'ok', store: ctx.store.name } }),
  );
  app.use('/ingest/*', ingestRequestMetrics());
  app.route('/', ingestRoutes());
  app.route('/', collectorAssetRoutes());
  for (const routes of extraPublicRoutes()) app.route('/', routes);
  app.route('/client/v4', account);
  app.route('/', account);

  app.notFound((c) => {
    const err = new ApiError(
      404,
      `no route for ${c.req.method} ${c.req.path}`,
      undefined,
      ERROR_CODES.no_route,
    );
    return c.json(errorBody(err), 404);
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err), err.status, errorHeaders(err));
    if (err instanceof InvalidInput) {
      const e = badRequest(err.field, err.reason);
      return c.json(errorBody(e), e.status);
    }
    if (err instanceof HTTPException) {
      const e = new ApiError(err.status as ApiError['status'], err.message || 'request failed');
      return c.json(errorBody(e), e.status);
    }
    if (isClientAbort(err)) return c.json(errorBody(clientAbortError()), 400);
    console.error('internal error:', err instanceof Error ? err.stack : err);
    return c.json(
      errorBody(new ApiError(500, 'internal server error', undefined, ERROR_CODES.internal)),
      500,
    );
  });
  return app;
}

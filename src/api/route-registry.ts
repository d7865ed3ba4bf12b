/**
 * Route modules beyond the core (sessions listing, dump import, dashboard).
 * Each feature adds its routes here, so `create-app.ts` stays the one place
 * that orders them.
 */
import type { Hono } from 'hono';
import type { AppEnv } from './context.ts';
import { importRoutes } from './routes/import.ts';
import { sessionsRoutes } from './routes/sessions.ts';
import { dashboardRoutes } from './routes/dashboard-assets.ts';
import { tokensRoutes } from './routes/tokens.ts';
import { participantDataRoutes } from './routes/participant-data.ts';
import { metricsRoutes } from '../metrics/metrics-routes.ts';
import { exportRoutes } from './routes/export.ts';
import { webhooksRoutes } from './routes/webhooks.ts';
import { wellKnownWebhooksRoutes } from './routes/well-known-webhooks.ts';
import { analyticsRoutes } from './routes/analytics.ts';

/** Routes under `/accounts/{account_id}/…` (token-authenticated). */
export function extraAccountRoutes(): Hono<AppEnv>[] {
  return [
    importRoutes(),
    sessionsRoutes(),
    tokensRoutes(),
    participantDataRoutes(),
    exportRoutes(),
    webhooksRoutes(),
    analyticsRoutes(),
  ];
}

/** Routes outside the account API (own authentication or none). */
export function extraPublicRoutes(): Hono<AppEnv>[] {
  return [dashboardRoutes(), metricsRoutes(), wellKnownWebhooksRoutes()];
}

/**
 * Serves the web dashboard (`dashboard/dist`, built by `npm run
 * build:dashboard`) at `/dashboard/`. The page holds no secrets: it asks for
 * an API token and reads the same account API as the SDKs, same origin.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { codingHeaders, readDistFile } from '../dist-assets.ts';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard/dist');
const HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

async function serve(c: Context<AppEnv>, file: string): Promise<Response> {
  const dist = await readDistFile(
    DIST,
    file,
    'dashboard',
    'build:dashboard',
    c.req.header('accept-encoding'),
  );
  return c.body(dist.body, 200, { ...HEADERS, ...codingHeaders(dist), 'content-type': dist.type });
}

/** Routes serving the dashboard. */
export function dashboardRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/dashboard', (c) => c.redirect('/dashboard/', 301));
  r.get('/dashboard/', (c) => serve(c, 'index.html'));
  r.get('/dashboard/:file', (c) => serve(c, c.req.param('file')));
  return r;
}

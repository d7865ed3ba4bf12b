/**
 * Serves the web dashboard (`dashboard/dist`, built by `npm run
 * build:dashboard`) at `/dashboard/`. The page holds no secrets: it asks for
 * an API token and reads the same account API as the SDKs, same origin.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { notFound } from '../errors.ts';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard/dist');
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.html': 'text/html; charset=utf-8' };
const HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

async function asset(file: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const bytes = await fs.readFile(path.join(DIST, file));
    return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  } catch {
    throw notFound(`dashboard file '${file}' (run \`npm run build:dashboard\`)`);
  }
}

/** Routes serving the dashboard. */
export function dashboardRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/dashboard', (c) => c.redirect('/dashboard/', 301));
  r.get('/dashboard/', async (c) => c.body(await asset('index.html'), 200, { ...HEADERS, 'content-type': TYPES['.html'] }));
  r.get('/dashboard/:file', async (c) => {
    const file = c.req.param('file');
    if (!/^[\w.-]+$/.test(file) || file.startsWith('.')) throw notFound(`dashboard file '${file}'`);
    return c.body(await asset(file), 200, { ...HEADERS, 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  });
  return r;
}

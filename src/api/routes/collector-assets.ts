/** Serves the built browser collector at a stable URL: `/collector/v1/<file>`. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { codingHeaders, readDistFile } from '../dist-assets.ts';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../collector/dist');

/** Routes serving `collector/dist`. */
export function collectorAssetRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/collector/v1/:file', async (c) => {
    const file = await readDistFile(
      DIST,
      c.req.param('file'),
      'collector',
      'build:collector',
      c.req.header('accept-encoding'),
    );
    return c.body(file.body, 200, {
      ...codingHeaders(file),
      'content-type': file.type,
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    });
  });
  return r;
}

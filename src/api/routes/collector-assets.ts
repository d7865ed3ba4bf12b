/** Serves the built browser collector at a stable URL: `/collector/v1/<file>`. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { notFound } from '../errors.ts';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../collector/dist');
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.html': 'text/html; charset=utf-8', '.d.ts': 'text/plain; charset=utf-8' };

/** Routes serving `collector/dist`. */
export function collectorAssetRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/collector/v1/:file', async (c) => {
    const file = c.req.param('file');
    if (!/^[\w.-]+$/.test(file) || file.startsWith('.')) throw notFound(`collector file '${file}'`);
    let body: Buffer;
    try {
      body = await fs.readFile(path.join(DIST, file));
    } catch {
      throw notFound(`collector file '${file}' (run \`npm run build:collector\`)`);
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    return c.body(new Uint8Array(body), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    });
  });
  return r;
}

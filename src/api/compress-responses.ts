/**
 * Middleware: JSON answers of at least {@link MIN_COMPRESSED_BYTES} go out compressed in the coding the client
 * prefers (brotli or gzip), with `Vary: Accept-Encoding`. Answers that already carry a coding (a finished
 * report served from its compressed cache), streamed exports (NDJSON, CSV) and static assets (precompressed at
 * build time) are left as they are.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';
import { preferredCoding } from './content-encoding.ts';
import { compressBody, MIN_COMPRESSED_BYTES } from './compression.ts';

/** The compression middleware. */
export function compressResponses(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (!(res.headers.get('content-type') ?? '').startsWith('application/json')) return;
    if (!res.headers.get('vary')?.toLowerCase().includes('accept-encoding'))
      res.headers.append('vary', 'Accept-Encoding');
    if (res.headers.has('content-encoding') || c.req.method === 'HEAD') return;
    // The coding is chosen before the body is touched: reading `res.body` turns Hono's light answer into a
    // full web Response, which copies the body and makes the server read it back as a stream (a 12 MB live
    // report: two extra copies and ~20 % of its CPU). An identity answer passes untouched.
    const coding = preferredCoding(c.req.header('accept-encoding'));
    if (!coding || !res.body) return;
    const body = new Uint8Array(await res.arrayBuffer());
    const headers = new Headers(res.headers);
    // Hono copies the replaced answer's headers onto the new one: its length must not outlive its body.
    res.headers.delete('content-length');
    headers.delete('content-length');
    if (body.byteLength < MIN_COMPRESSED_BYTES) {
      c.res = new Response(body, { status: res.status, headers });
      return;
    }
    headers.set('content-encoding', coding);
    const compressed = await compressBody(body, coding);
    c.res = new Response(
      new Uint8Array(
        compressed.buffer as ArrayBuffer,
        compressed.byteOffset,
        compressed.byteLength,
      ),
      { status: res.status, headers },
    );
  };
}

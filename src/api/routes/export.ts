/**
 * `GET …/{app_id}/export/peers?since&until[&format=ndjson|csv][&cursor][&limit]`:
 * the app's finished peers' summaries for a warehouse, streamed (read page by
 * page from the store as the client reads; constant memory whatever the
 * range). Every row carries its `cursor`: after a broken transfer, or to page
 * with `limit`, ask again with the last row received's cursor to get exactly
 * the rows after it. Columns: `src/export/export-row.ts` (README "## Export").
 * A failure after the first page aborts the transfer (no final chunk), so a
 * client never takes a partial export for a complete one.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { badRequest, notFound } from '../errors.ts';
import {
  ExportParamError,
  parseExportParams,
  type ExportParams,
} from '../../export/export-params.ts';
import { exportPeerPages, exportText } from '../../export/export-peers.ts';
import { EXPORT_CONTENT_TYPES } from '../../export/export-format.ts';

/** The checked query parameters; a bad one is a 400 naming it. */
function queryParams(get: (name: string) => string | undefined): ExportParams {
  try {
    return parseExportParams(get);
  } catch (err) {
    if (err instanceof ExportParamError) throw badRequest(err.field, err.message);
    throw err;
  }
}

/** Routes of the export. */
export function exportRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/accounts/:account_id/realtime/kit/:app_id/export/peers', async (c) => {
    const ctx = c.get('ctx');
    const params = queryParams((name) => c.req.query(name));
    const accountId = c.req.param('account_id');
    const appId = c.req.param('app_id');
    if (!(await ctx.store.apps.find(accountId, appId))) throw notFound(`app '${appId}'`);
    const format = params.format;
    const chunks = exportText(
      exportPeerPages(ctx.store, { accountId, appId }, params),
      params,
      (rows) => ctx.metrics.exportRows(format, rows.length),
    );
    // The first chunk is read before answering, so that a failing store still gets a proper error status.
    const first = await chunks.next();
    const encoder = new TextEncoder();
    let pending: IteratorResult<string> | undefined = first;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            const next = pending ?? (await chunks.next());
            pending = undefined;
            if (next.done) controller.close();
            else controller.enqueue(encoder.encode(next.value));
          } catch (err) {
            console.error('export failed mid-stream:', err instanceof Error ? err.message : err);
            controller.error(err);
          }
        },
        async cancel() {
          await chunks.return(undefined);
        },
      },
      // Pull only when the response asks for more: the socket's backpressure reaches the store.
      { highWaterMark: 0 },
    );
    return c.body(body, 200, {
      'content-type': EXPORT_CONTENT_TYPES[format],
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  });
  return r;
}

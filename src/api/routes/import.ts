/**
 * `POST /accounts/{account_id}/realtime/kit/{app_id}/imports`: uploads a
 * recorded call (raw or gzip bytes of a webrtc-internals dump, rtcstats dump
 * or getStats() snapshot) and stores it as a new meeting with one ended
 * session and one peer per recorded client.
 *
 * The body is streamed into the parser (never buffered whole by this route)
 * and bounded by `maxImportBodyBytes`, compressed and decompressed. Answers:
 * 201 `{success, data: {format, meeting_id, session_id, peers: [...], warnings}}`;
 * 413 too large; 422 unsupported or corrupt dump (message names the line or
 * key); 404 unknown app. Realtime Admin token required (account middleware).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import { ApiError, ERROR_CODES, notFound } from '../errors.ts';
import { DumpCompressionError } from '../../import/dump-compression-error.ts';
import { importDump, type ImportResult } from '../../import/import-dump.ts';
import { DumpFormatError } from '../../import/dump-format-error.ts';
import { DumpTooLargeError } from '../../import/dump-source.ts';

/** The JSON `data` of a successful import (times as ISO strings). */
export function importResponse(result: ImportResult): Record<string, unknown> {
  return {
    format: result.format,
    gzipped: result.gzipped,
    meeting_id: result.meeting_id,
    session_id: result.session_id,
    peers: result.peers.map((p) => ({
      peer_id: p.peer_id,
      participant_id: p.participant_id,
      label: p.label,
      pcs: p.pcs,
      joined_at: new Date(p.joined_at).toISOString(),
      left_at: new Date(p.left_at).toISOString(),
      samples: p.samples,
      ...(p.partial
        ? {
            partial: {
              complete_from: new Date(p.partial.complete_from).toISOString(),
              reason: p.partial.reason,
            },
          }
        : {}),
      notes: p.notes,
    })),
    warnings: result.warnings,
  };
}

/** Routes of the dump import. */
export function importRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/accounts/:account_id/realtime/kit/:app_id/imports', async (c) => {
    const ctx = c.get('ctx');
    const accountId = c.req.param('account_id');
    const appId = c.req.param('app_id');
    if (!(await ctx.store.apps.find(accountId, appId))) throw notFound(`app '${appId}'`);
    const limit = ctx.config.maxImportBodyBytes;
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit)
      throw new ApiError(
        413,
        `request body too large: ${declared} bytes, limit ${limit}`,
        'body',
        ERROR_CODES.body_too_large,
      );
    const body = c.req.raw.body;
    if (!body)
      throw new ApiError(
        400,
        'body: send the dump file as the request body',
        'body',
        ERROR_CODES.invalid_request,
      );
    const title = c.req.query('title') ?? c.req.header('x-file-name') ?? undefined;
    try {
      const result = await importDump(
        ctx,
        Readable.fromWeb(body as WebReadableStream<Uint8Array>),
        { accountId, appId, title: title ? title.slice(0, 256) : undefined },
        {
          maxBytes: limit,
          maxDecompressedBytes: limit,
        },
      );
      return c.json({ success: true, data: importResponse(result) }, 201);
    } catch (err) {
      if (err instanceof DumpTooLargeError)
        throw new ApiError(
          413,
          `request body too large: ${err.message}`,
          'body',
          ERROR_CODES.body_too_large,
        );
      if (err instanceof DumpCompressionError) {
        throw new ApiError(
          422,
          err.message,
          'body',
          err.problem === 'unsupported'
            ? ERROR_CODES.unreadable_dump
            : ERROR_CODES.corrupt_compression,
        );
      }
      if (err instanceof DumpFormatError)
        throw new ApiError(
          422,
          err.message,
          err.line !== undefined
            ? `body:line ${err.line}`
            : err.key !== undefined
              ? `body:${err.key}`
              : 'body',
          ERROR_CODES.unreadable_dump,
        );
      throw err;
    }
  });
  return r;
}

/**
 * Reading request bodies safely: content type checked (415), size bounded
 * while streaming (413), JSON parsed (400), then validated by a zod schema
 * (400 naming the field).
 */
import { gunzipSync } from 'node:zlib';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, badRequest, ERROR_CODES } from './errors.ts';
import { describeZodError } from '../ingest/ingest-schemas.ts';
import type { ValidationResult } from '../ingest/validation-result.ts';
import { findUnstorableInParsedJson } from '../util/storable-text.ts';

/** Reads the raw request bytes, refusing more than `maxBytes` on the wire. */
async function readRawBody(c: Context, maxBytes: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ApiError(
      413,
      `request body too large: ${declared} bytes, limit ${maxBytes}`,
      'body',
      ERROR_CODES.body_too_large,
    );
  }
  // On Node, read the socket's IncomingMessage directly: much cheaper than the
  // Web-stream wrapper of the Request object.
  const incoming = (c.env as { incoming?: NodeJS.ReadableStream } | undefined)?.incoming;
  // destroyOnReturn: false: leaving the loop early (413) must not destroy the request, and with it the
  // socket, before the 413 is written: the client would see a connection reset instead of the answer.
  const source: AsyncIterable<Uint8Array> | undefined =
    incoming && typeof (incoming as { readableEnded?: boolean }).readableEnded === 'boolean'
      ? (
          incoming as unknown as {
            iterator(o: { destroyOnReturn: boolean }): AsyncIterable<Buffer>;
          }
        ).iterator({ destroyOnReturn: false })
      : ((c.req.raw.body as AsyncIterable<Uint8Array> | null) ?? undefined);
  if (!source) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      // Discard the rest as it arrives (bounded by the request timeout) and answer 413 at once.
      (incoming as unknown as { resume?: () => void } | undefined)?.resume?.();
      throw new ApiError(
        413,
        `request body too large: more than ${maxBytes} bytes`,
        'body',
        ERROR_CODES.body_too_large,
      );
    }
    chunks.push(chunk);
  }
  return chunks.length === 1
    ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength)
    : Buffer.concat(chunks);
}

/**
 * Reads the body as text, refusing more than `maxBytes` on the wire and, for
 * `Content-Encoding: gzip`, more than `maxBytes` once decompressed too.
 */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const raw = await readRawBody(c, maxBytes);
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw.toString('utf8');
  if (encoding !== 'gzip')
    throw new ApiError(
      415,
      `unsupported content encoding '${encoding}'; send gzip or identity`,
      'Content-Encoding',
      ERROR_CODES.unsupported_media_type,
    );
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ApiError(
        413,
        `request body too large: more than ${maxBytes} bytes once decompressed`,
        'body',
        ERROR_CODES.body_too_large,
      );
    }
    throw badRequest('body', `malformed gzip body (${(e as Error).message})`);
  }
}

/** Whether the request declares a JSON body (`application/json` or `*+json`). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const type = header.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

/**
 * Checks that the request declares a JSON body and reads it as text; `null`
 * for an empty body when `allowEmpty`. `allowTextPlain` admits `text/plain`
 * (what `navigator.sendBeacon` sends without a CORS preflight).
 */
export async function readJsonText(
  c: Context,
  maxBytes: number,
  opts: { allowEmpty?: boolean; allowTextPlain?: boolean } = {},
): Promise<string | null> {
  const type = c.req.header('content-type');
  const declaredLength = c.req.header('content-length');
  const emptyBody = !type && (declaredLength === undefined || declaredLength === '0');
  if (emptyBody && opts.allowEmpty) return null;
  const textPlain =
    opts.allowTextPlain && type?.split(';')[0].trim().toLowerCase() === 'text/plain';
  if (!isJsonContentType(type) && !textPlain) {
    throw new ApiError(
      415,
      `unsupported content type '${type ?? '(none)'}'; send application/json`,
      'Content-Type',
      ERROR_CODES.unsupported_media_type,
    );
  }
  const text = await readBodyText(c, maxBytes);
  return text.trim() === '' && opts.allowEmpty ? null : text;
}

/** Parses and validates a JSON body (see {@link readJsonText} for the options). */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  maxBytes: number,
  opts: {
    allowEmpty?: boolean;
    allowTextPlain?: boolean;
    validator?: (value: unknown) => ValidationResult<z.infer<S>>;
  } = {},
): Promise<z.infer<S>> {
  const text = await readJsonText(c, maxBytes, opts);
  if (text === null) return schema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badRequest('body', `malformed JSON (${(e as Error).message})`);
  }
  const unstorable = findUnstorableInParsedJson(text, json);
  if (unstorable) throw badRequest(unstorable.field, unstorable.message);
  if (opts.validator) {
    const checked = opts.validator(json);
    if (!checked.ok) throw badRequest(checked.field, checked.message);
    return checked.value;
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const { field, message } = describeZodError(result.error);
    throw badRequest(field, message);
  }
  return result.data;
}

/**
 * Compressing response bodies (node:zlib, on its thread pool so the event loop keeps serving). Two settings:
 * `immutable` bodies (a finished call's report, cached compressed once) get brotli quality 5 / gzip 6; bodies
 * made per request get brotli 3 / gzip 4. Measured on a 60-minute report (5.6 MB): brotli 3 → 291 KB in ~19 ms,
 * 5 → 225 KB in ~36 ms, 11 → 170 KB in 8 s; gzip 6 → 303 KB in ~21 ms (BENCHMARKS.md, "Compression").
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ContentCoding } from './content-encoding.ts';

/** Bodies smaller than this are sent as they are: the coding's framing would eat most of the saving. */
export const MIN_COMPRESSED_BYTES = 1024;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** `body` in `coding`; `immutable` spends more CPU once for a smaller body that is then cached. */
export function compressBody(
  body: Uint8Array,
  coding: ContentCoding,
  immutable = false,
): Promise<Buffer> {
  if (coding === 'br') {
    return brotli(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: immutable ? 5 : 3,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    });
  }
  return gzip(body, { level: immutable ? 6 : 4 });
}

/**
 * Compressing response bodies (node:zlib, on its thread pool so the event loop keeps serving). Bodies made per
 * request (a live report, listings) get brotli 3 / gzip 4, and brotli 4 from {@link LARGE_BODY_BYTES}: a live
 * 60-minute report (6.2 MB) is 324 KB at brotli 3 (~22 ms of CPU) and 294 KB at 4 (~35 ms), the lowest quality
 * within the 300 KB of issue 16 (BENCHMARKS.md, "Compression"). From {@link HUGE_BODY_BYTES} (a live call of
 * about 80 minutes and longer) brotli 1: a live 120-minute report (12.3 MB) took ~74 ms of CPU a request at 4 and
 * ~15 ms at 1, for 575 → 770 KB on the wire, and its per-request CPU mattered more than the bytes. Finished
 * reports are compressed once at brotli 5 and stored (src/api/open-compressed-body.ts).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ContentCoding } from './content-encoding.ts';

/** Bodies smaller than this are sent as they are: the coding's framing would eat most of the saving. */
export const MIN_COMPRESSED_BYTES = 1024;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** From this size a per-request body gets brotli 4 instead of 3 (smaller, ~1.6× the CPU). */
export const LARGE_BODY_BYTES = 1024 * 1024;

/** From this size a per-request body gets brotli 1: at 4 its compression cost ~60 % of assembling it again. */
export const HUGE_BODY_BYTES = 8 * 1024 * 1024;

/** The per-request brotli quality for a body of `bytes`. */
export function brotliQuality(bytes: number): number {
  return bytes >= HUGE_BODY_BYTES ? 1 : bytes >= LARGE_BODY_BYTES ? 4 : 3;
}

/** `body` in `coding`, at the per-request setting for its size. */
export function compressBody(body: Uint8Array, coding: ContentCoding): Promise<Buffer> {
  if (coding === 'br') {
    return brotli(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality(body.byteLength),
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    });
  }
  return gzip(body, { level: 4 });
}

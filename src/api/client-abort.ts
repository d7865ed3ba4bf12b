/**
 * A client that goes away in the middle of its upload is not a server fault:
 * the body stream fails with `aborted` / `ECONNRESET`. Such a request is
 * answered (to nobody) as a 400 and neither logged nor counted as an internal error.
 */
import { ApiError } from './errors.ts';

const ABORT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Whether `err` (or one of its causes) is the request body aborted by the client. */
export function isClientAbort(err: unknown): boolean {
  for (
    let e = err, depth = 0;
    e instanceof Error && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: string }).code;
    if ((code && ABORT_CODES.has(code)) || e.message === 'aborted' || e.name === 'AbortError')
      return true;
  }
  return false;
}

/** The error a client abort is answered with. */
export const clientAbortError = () =>
  new ApiError(400, 'request aborted by the client before its body was complete', 'body');

/**
 * An answer's body given as parts, sent without joining them. Joining a large body (a live 120-minute report:
 * 12 MB of stored chunk rows) into one buffer cost an allocation of its whole size and a copy per request: 8–11 ms
 * of CPU when the memory was new to the process (the kernel hands out and zeroes its pages), ~1.5 ms when reused;
 * a cached finished 120-minute report went from 11–24 ms of CPU a request to ~4.3. Sent as a stream of its parts,
 * large parts go out as they are, and runs of small ones (an unmerged live chunk is ~4 KB, a separator one byte)
 * are joined into pieces of {@link PIECE_BYTES}: thousands of tiny writes cost more than copying them, and buffers
 * that size reuse freed memory.
 */

/** The size small parts are joined up to before they are written. */
export const PIECE_BYTES = 64 * 1024;

/** The body to hand to Hono, and its length for `content-length` (a stream's length is not known otherwise). */
export interface PartsBody {
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>;
  length: number;
}

/** `parts` as one body: the part itself when there is one, else a stream of pieces (large parts uncopied). */
export function partsBody(parts: readonly Uint8Array[]): PartsBody {
  let length = 0;
  for (const p of parts) length += p.byteLength;
  if (parts.length === 1) return { body: asPlainView(parts[0]), length };
  const pieces = joinSmallParts(parts, PIECE_BYTES);
  if (pieces.length === 1) return { body: pieces[0], length };
  return {
    body: new ReadableStream<Uint8Array<ArrayBuffer>>({
      start(controller) {
        // Every piece is in memory already: queued at once, then written with the socket's backpressure.
        for (const p of pieces) controller.enqueue(p);
        controller.close();
      },
    }),
    length,
  };
}

/**
 * The parts in order, with each run of parts smaller than `size` joined into pieces of about `size` bytes;
 * a part of `size` or more stays as it is. Empty parts are dropped. Pure.
 */
export function joinSmallParts(
  parts: readonly Uint8Array[],
  size: number,
): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const flush = (): void => {
    if (run.length === 1) out.push(asPlainView(run[0]));
    else if (run.length > 1) out.push(asPlainView(Buffer.concat(run, runBytes)));
    run = [];
    runBytes = 0;
  };
  for (const p of parts) {
    if (p.byteLength === 0) continue;
    if (p.byteLength >= size) {
      flush();
      out.push(asPlainView(p));
      continue;
    }
    run.push(p);
    runBytes += p.byteLength;
    if (runBytes >= size) flush();
  }
  flush();
  return out;
}

/** A Uint8Array over the same bytes (the server writes a Buffer's bytes the same way; this keeps the type plain). */
function asPlainView(p: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(p.buffer as ArrayBuffer, p.byteOffset, p.byteLength);
}

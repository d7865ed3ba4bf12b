/**
 * Streaming access to a dump file: transparently gunzips (gzip magic bytes),
 * yields text lines without holding the file in memory, and can collect the
 * rest of a JSON document into one string when the format needs it.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { DumpCompressionError, otherCompression } from './dump-compression-error.ts';

/** Where a dump comes from: a file path, a byte stream (HTTP upload) or bytes already in memory. */
export type DumpInput = string | Readable | Uint8Array;

/** Options of {@link openDumpText}. */
export interface OpenDumpOptions {
  /** Abort with an error once more than this many bytes were read (compressed or not). */
  maxBytes?: number;
  /** Abort once more than this many decompressed bytes were produced (zip-bomb guard). */
  maxDecompressedBytes?: number;
}

/** Raised when a size limit of {@link OpenDumpOptions} is exceeded. */
export class DumpTooLargeError extends Error {
  override readonly name = 'DumpTooLargeError';
  constructor(
    readonly limit: number,
    what: string,
  ) {
    super(`${what} exceeds the limit of ${limit} bytes`);
  }
}

function toReadable(input: DumpInput): Readable {
  if (typeof input === 'string') return createReadStream(input);
  if (input instanceof Uint8Array)
    return Readable.from([Buffer.from(input.buffer, input.byteOffset, input.byteLength)]);
  return input;
}

/** Counts bytes flowing through and fails the stream past `limit`. */
function limiter(limit: number | undefined, what: string): PassThrough {
  let seen = 0;
  return new PassThrough({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (limit !== undefined && seen > limit) done(new DumpTooLargeError(limit, what));
      else done(null, chunk);
    },
  });
}

/** A decoded, line-iterable view of a dump. */
export interface DumpText {
  /** True when the bytes were gzip-compressed (known once the first line was read). */
  readonly gzipped: boolean;
  /** Text lines, lazily (the file is never held whole). */
  lines: AsyncIterableIterator<string>;
  /** Releases the underlying file/stream. */
  close(): void;
}

/** Passes bytes through, or gunzips them when the first chunk starts with the gzip magic `1f 8b`. */
class AutoGunzip extends Transform {
  gzipped = false;
  private decided = false;
  private gunzip?: Gunzip;

  constructor(private readonly maxDecompressed: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.decided) {
      this.decided = true;
      this.gzipped = chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
      const other = otherCompression(chunk);
      if (other) {
        done(new DumpCompressionError('unsupported', other));
        return;
      }
      if (this.gzipped) {
        let produced = 0;
        const gunzip = createGunzip();
        gunzip.on('data', (data: Buffer) => {
          produced += data.length;
          if (this.maxDecompressed !== undefined && produced > this.maxDecompressed) {
            this.destroy(new DumpTooLargeError(this.maxDecompressed, 'the decompressed dump'));
            gunzip.destroy();
            return;
          }
          this.push(data);
        });
        gunzip.on('error', (err) => this.destroy(DumpCompressionError.fromZlib(err)));
        this.gunzip = gunzip;
      }
    }
    if (!this.gunzip) {
      done(null, chunk);
      return;
    }
    if (this.gunzip.write(chunk)) done();
    else this.gunzip.once('drain', () => done());
  }

  override _flush(done: TransformCallback): void {
    if (!this.gunzip) {
      done();
      return;
    }
    this.gunzip.once('end', () => done());
    this.gunzip.end();
  }
}

/**
 * Opens a dump as UTF-8 text lines, gunzipping on the fly when the first two
 * bytes are the gzip magic `1f 8b`.
 */
export async function openDumpText(
  input: DumpInput,
  options: OpenDumpOptions = {},
): Promise<DumpText> {
  const raw = toReadable(input);
  const counted = limiter(options.maxBytes, 'the upload');
  const decoder = new AutoGunzip(options.maxDecompressedBytes);
  raw.on('error', (err) => counted.destroy(err));
  counted.on('error', (err) => decoder.destroy(err));
  raw.pipe(counted).pipe(decoder);
  decoder.setEncoding('utf8');
  const rl = createInterface({ input: decoder, crlfDelay: Infinity });
  // readline does not surface stream errors; remember them so the iterator rejects.
  let failure: Error | undefined;
  decoder.on('error', (err) => {
    failure = err;
    rl.close();
  });
  const inner = rl[Symbol.asyncIterator]();
  const lines: AsyncIterableIterator<string> = {
    async next() {
      const result = await inner.next();
      if (failure) throw failure;
      return result;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    get gzipped() {
      return decoder.gzipped;
    },
    lines,
    close() {
      rl.close();
      raw.destroy();
    },
  };
}

/**
 * Reads a gzipped dump to its end, to tell a parse error caused by damaged
 * compressed bytes (the gzip check fails at the end) from a genuine one:
 * throws the {@link DumpCompressionError} if the stream is damaged.
 */
export async function verifyCompressedRest(text: DumpText): Promise<void> {
  if (!text.gzipped) return;
  try {
    for (;;) if ((await text.lines.next()).done) return;
  } catch (err) {
    if (err instanceof DumpCompressionError) throw err;
  }
}

/** Joins the remaining lines of a JSON document into one string (one copy of the text). */
export async function collectRest(
  first: string,
  lines: AsyncIterableIterator<string>,
): Promise<string> {
  const parts: string[] = [first];
  for await (const line of lines) parts.push(line);
  return parts.join('\n');
}

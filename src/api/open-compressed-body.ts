/**
 * A compressed body whose end is still open: the bytes of a large, immutable beginning compressed once (brotli
 * or gzip, flushed to a byte boundary but not finished), to which a small, changing end is appended per request
 * without compressing again. Both formats allow it: brotli has uncompressed meta-blocks (RFC 7932 §9.2), deflate
 * stored blocks (RFC 1951 §3.2.4); a stream flushed at a byte boundary can go on with either, then end. A
 * finished peer's report is stored so with its `quality_cohort` (which moves as other peers finish) added per
 * request: the 5 MB are compressed once, the cohort's few hundred bytes travel as they are.
 *
 * Packed form (one Buffer, as cached and stored): the open stream, then the CRC-32 (gzip's trailer needs it) and
 * the length of the uncompressed beginning, 4 bytes each, little-endian.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ContentCoding } from './content-encoding.ts';

const brotli = promisify(zlib.brotliCompress);
const deflateRaw = promisify(zlib.deflateRaw);

/** Brotli quality of stored bodies (BENCHMARKS.md, "Compression": 225 KB for 5.6 MB in ~36 ms, once). */
export const STORED_BROTLI_QUALITY = 5;
/** Gzip level of stored bodies. */
export const STORED_GZIP_LEVEL = 6;

const TRAILER_BYTES = 8;
/** gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown (RFC 1952 §2.3). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** Largest uncompressed meta-block with 4 length nibbles, and largest stored deflate block. */
const BROTLI_BLOCK_MAX = 1 << 16;
const DEFLATE_BLOCK_MAX = 0xffff;

/** Compresses `head` into the packed open form (see the module comment). */
export async function openCompressedBody(head: Uint8Array, coding: ContentCoding): Promise<Buffer> {
  const stream =
    coding === 'br'
      ? await brotli(head, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: STORED_BROTLI_QUALITY,
            [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: head.byteLength,
          },
          // Byte-aligned, not last: the stream can go on.
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        })
      : Buffer.concat([
          GZIP_HEADER,
          await deflateRaw(head, {
            level: STORED_GZIP_LEVEL,
            finishFlush: zlib.constants.Z_SYNC_FLUSH,
          }),
        ]);
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeUInt32LE(coding === 'gzip' ? zlib.crc32(head) : 0, 0);
  trailer.writeUInt32LE(head.byteLength >>> 0, 4);
  return Buffer.concat([stream, trailer]);
}

/** Bytes of the uncompressed beginning a packed open stream stands for (to size a decoder's output at once). */
export function openBodyLength(packed: Buffer): number {
  return packed.readUInt32LE(packed.length - 4);
}

/** The whole compressed body: the packed open stream of `coding` followed by `tail`, finished. */
export function closeCompressedBody(
  packed: Buffer,
  coding: ContentCoding,
  tail: Uint8Array,
): Buffer {
  const stream = packed.subarray(0, packed.length - TRAILER_BYTES);
  const headCrc = packed.readUInt32LE(packed.length - TRAILER_BYTES);
  const headLength = packed.readUInt32LE(packed.length - 4);
  const parts: Uint8Array[] = [stream];
  if (coding === 'br') {
    for (let at = 0; at < tail.byteLength; at += BROTLI_BLOCK_MAX) {
      const piece = tail.subarray(at, at + BROTLI_BLOCK_MAX);
      // ISLAST 0, MNIBBLES 4 (code 0), MLEN-1 in 16 bits, ISUNCOMPRESSED 1; zero bits to the byte boundary.
      const header = ((piece.byteLength - 1) << 3) | (1 << 19);
      parts.push(Buffer.from([header & 0xff, (header >>> 8) & 0xff, header >>> 16]), piece);
    }
    parts.push(Buffer.from([0b11])); // ISLAST 1, ISLASTEMPTY 1
    return Buffer.concat(parts);
  }
  let at = 0;
  do {
    const piece = tail.subarray(at, at + DEFLATE_BLOCK_MAX);
    at += piece.byteLength;
    const header = Buffer.alloc(5);
    header[0] = at >= tail.byteLength ? 1 : 0; // BFINAL on the last piece, BTYPE 00 (stored)
    header.writeUInt16LE(piece.byteLength, 1);
    header.writeUInt16LE(~piece.byteLength & 0xffff, 3);
    parts.push(header, piece);
  } while (at < tail.byteLength);
  const trailer = Buffer.alloc(8);
  // (zlib.crc32 of no bytes answers 0, not the value it was given.)
  trailer.writeUInt32LE(tail.byteLength > 0 ? zlib.crc32(tail, headCrc) : headCrc, 0);
  trailer.writeUInt32LE((headLength + tail.byteLength) >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}

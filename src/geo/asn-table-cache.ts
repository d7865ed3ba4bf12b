/**
 * A binary copy of a parsed ASN range table, so a server start reads ~10 MB of typed arrays instead of parsing
 * 32 MB of CSV. Parsing left ~60 MB of freed heap that the process never gave back (idle RSS 240 MB → see
 * BENCHMARKS.md); reading the copy allocates only the arrays themselves.
 *
 * Layout (little-endian): `u32 count`, `u32 namesBytes`, then `starts` and `ends` (count × 4 bytes for IPv4,
 * × 8 for IPv6's upper 64 bits), `asn` and `org` (count × 4 each), then the organisation names, UTF-8, joined by
 * newlines. The file is written to a temporary name and renamed, so a reader never sees half of one.
 */
import fs from 'node:fs';
import path from 'node:path';

/** A range table: sorted, non-overlapping [start, end] ranges, each with its AS number and organisation index. */
export interface RangeTable {
  starts: BigUint64Array | Uint32Array;
  ends: BigUint64Array | Uint32Array;
  asn: Uint32Array;
  org: Uint32Array;
  names: string[];
}

const HEADER_BYTES = 8;

/** Reads a table written by {@link writeTableCache}; undefined when absent or unreadable. */
export function readTableCache(file: string, v6: boolean): RangeTable | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER_BYTES) return undefined;
  // Typed-array views need offsets aligned to their element size: a file this large has a buffer of its own
  // (offset 0); anything else is copied into one.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = (
    whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
  ) as ArrayBuffer;
  const view = new DataView(buffer);
  const count = view.getUint32(0, true);
  const namesBytes = view.getUint32(4, true);
  const width = v6 ? 8 : 4;
  const expected = HEADER_BYTES + count * (2 * width + 8) + namesBytes;
  if (buffer.byteLength !== expected) return undefined;
  let offset = HEADER_BYTES;
  const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, size: number): T => {
    const arr = make(buffer, offset, count);
    offset += count * size;
    return arr;
  };
  const range = (b: ArrayBuffer, o: number, n: number) =>
    v6 ? new BigUint64Array(b, o, n) : new Uint32Array(b, o, n);
  const starts = take(range, width);
  const ends = take(range, width);
  const asn = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const org = take((b, o, n) => new Uint32Array(b, o, n), 4);
  const names = Buffer.from(buffer, offset, namesBytes).toString('utf8').split('\n');
  return { starts, ends, asn, org, names };
}

/** Writes `table` for {@link readTableCache}; a failure (read-only directory) is ignored: the cache is optional. */
export function writeTableCache(file: string, table: RangeTable): void {
  const names = Buffer.from(table.names.join('\n'), 'utf8');
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(table.starts.length, 0);
  header.writeUInt32LE(names.length, 4);
  const part = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      tmp,
      Buffer.concat([
        header,
        part(table.starts),
        part(table.ends),
        part(table.asn),
        part(table.org),
        names,
      ]),
    );
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

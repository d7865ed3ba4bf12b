/**
 * Binary storage of metric rows: one chunk of rows becomes a column-major
 * Float64 array (NaN = absent), so the report decodes thousands of rows with a
 * typed-array view instead of parsing JSON objects. Layout: a Float64 header
 * [format version, row count, column count], then each column's values.
 */
import type { MetricRow } from './metric-row.ts';

/** Column order of the packed format (version 1). Never reorder; append only with a version bump. */
const COLUMNS_V1 = [
  't',
  'd',
  'mos',
  'loss',
  'rtt',
  'jit',
  'jb',
  'fps',
  'w',
  'h',
  'br',
  'pk',
  'pl',
  'by',
  'kf',
  'fr',
  'ql',
  'nv',
  'fz',
  'fb',
  'cr',
] as const;
/** Version 2 appends the diagnosis evidence (interval-evidence.ts). */
const COLUMNS_V2 = [...COLUMNS_V1, 'nk', 'rx', 'rp', 'fc', 'fd', 'cs', 'ab', 'tb', 'te'] as const;
/** Version 3 appends the rest of the repair counters: PLI, FIR, retransmitted bytes, FEC received and discarded. */
const COLUMNS = [...COLUMNS_V2, 'pli', 'fir', 'rxb', 'fec', 'fecd'] as const;
const FORMAT_VERSION = 3;
/** Column count of each format version this build reads (older chunks decode with the later columns absent). */
const COLUMN_COUNTS: Record<number, number> = {
  1: COLUMNS_V1.length,
  2: COLUMNS_V2.length,
  3: COLUMNS.length,
};
const QL_CODES: Record<string, number> = { b: 1, c: 2, o: 3 };
const QL_NAMES = [undefined, 'b', 'c', 'o'] as const;

/** Packs rows into bytes. */
export function packMetricRows(rows: readonly MetricRow[]): Buffer {
  const n = rows.length;
  const k = COLUMNS.length;
  const out = new Float64Array(3 + n * k);
  out[0] = FORMAT_VERSION;
  out[1] = n;
  out[2] = k;
  for (let c = 0; c < k; c++) {
    const key = COLUMNS[c];
    const base = 3 + c * n;
    for (let i = 0; i < n; i++) {
      const v = (rows[i] as unknown as Record<string, unknown>)[key];
      out[base + i] =
        v === undefined ? NaN : key === 'ql' ? (QL_CODES[v as string] ?? NaN) : (v as number);
    }
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Unpacks bytes made by {@link packMetricRows}, appending the rows to `into`. */
export function unpackMetricRows(bytes: Uint8Array, into: MetricRow[] = []): MetricRow[] {
  // Copy when the view is not 8-byte aligned (Float64Array needs alignment).
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  const f = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8);
  const expected = COLUMN_COUNTS[f[0]];
  if (expected === undefined) throw new Error(`unknown metric format version ${f[0]}`);
  const n = f[1];
  const k = f[2];
  if (k !== expected)
    throw new Error(`metric format version ${f[0]} with ${k} columns, expected ${expected}`);
  const col = (c: number, i: number): number | undefined => {
    if (c >= k) return undefined; // a column the chunk's older format does not have
    const v = f[3 + c * n + i];
    return v !== v ? undefined : v; // NaN: absent
  };
  for (let i = 0; i < n; i++) {
    // Every row gets every key (undefined when absent), in one order: the
    // aggregates then read objects of a single shape, ~3× faster than rows
    // whose keys vary from row to row.
    const ql = col(16, i);
    into.push({
      t: col(0, i) as number,
      d: col(1, i),
      mos: col(2, i),
      loss: col(3, i),
      rtt: col(4, i),
      jit: col(5, i),
      jb: col(6, i),
      fps: col(7, i),
      w: col(8, i),
      h: col(9, i),
      br: col(10, i),
      pk: col(11, i),
      pl: col(12, i),
      by: col(13, i),
      kf: col(14, i),
      fr: col(15, i),
      ql: ql === undefined ? undefined : QL_NAMES[ql],
      nv: col(17, i) as 1 | undefined,
      fz: col(18, i),
      fb: col(19, i),
      cr: col(20, i) as 1 | undefined,
      nk: col(21, i),
      rx: col(22, i),
      rp: col(23, i),
      fc: col(24, i),
      fd: col(25, i),
      cs: col(26, i),
      ab: col(27, i),
      tb: col(28, i),
      te: col(29, i) as 1 | undefined,
      pli: col(30, i),
      fir: col(31, i),
      rxb: col(32, i),
      fec: col(33, i),
      fecd: col(34, i),
    });
  }
  return into;
}

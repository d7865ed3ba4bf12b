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
  for (let i = 0; i < n; i++) packRow(out, 3 + i, n, rows[i]);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

const orNaN = (v: number | undefined): number => (v === undefined ? NaN : v);

/**
 * One row into its column slots (`at` = the row's slot in the first column; columns are `n` apart), in
 * {@link COLUMNS} order. One named read per field, as {@link unpackMetricRows} writes one literal: a loop over the
 * column names reading `row[key]` was one keyed read site meeting 35 names, which V8 serves from its slow generic
 * lookup (~1 µs a row, 3× this).
 */
function packRow(out: Float64Array, at: number, n: number, r: MetricRow): void {
  out[at] = r.t;
  out[at + 1 * n] = orNaN(r.d);
  out[at + 2 * n] = orNaN(r.mos);
  out[at + 3 * n] = orNaN(r.loss);
  out[at + 4 * n] = orNaN(r.rtt);
  out[at + 5 * n] = orNaN(r.jit);
  out[at + 6 * n] = orNaN(r.jb);
  out[at + 7 * n] = orNaN(r.fps);
  out[at + 8 * n] = orNaN(r.w);
  out[at + 9 * n] = orNaN(r.h);
  out[at + 10 * n] = orNaN(r.br);
  out[at + 11 * n] = orNaN(r.pk);
  out[at + 12 * n] = orNaN(r.pl);
  out[at + 13 * n] = orNaN(r.by);
  out[at + 14 * n] = orNaN(r.kf);
  out[at + 15 * n] = orNaN(r.fr);
  out[at + 16 * n] = r.ql === undefined ? NaN : (QL_CODES[r.ql] ?? NaN);
  out[at + 17 * n] = orNaN(r.nv);
  out[at + 18 * n] = orNaN(r.fz);
  out[at + 19 * n] = orNaN(r.fb);
  out[at + 20 * n] = orNaN(r.cr);
  out[at + 21 * n] = orNaN(r.nk);
  out[at + 22 * n] = orNaN(r.rx);
  out[at + 23 * n] = orNaN(r.rp);
  out[at + 24 * n] = orNaN(r.fc);
  out[at + 25 * n] = orNaN(r.fd);
  out[at + 26 * n] = orNaN(r.cs);
  out[at + 27 * n] = orNaN(r.ab);
  out[at + 28 * n] = orNaN(r.tb);
  out[at + 29 * n] = orNaN(r.te);
  out[at + 30 * n] = orNaN(r.pli);
  out[at + 31 * n] = orNaN(r.fir);
  out[at + 32 * n] = orNaN(r.rxb);
  out[at + 33 * n] = orNaN(r.fec);
  out[at + 34 * n] = orNaN(r.fecd);
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

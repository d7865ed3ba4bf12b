/** Packed metric rows decode to exactly the rows that were packed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { packMetricRows, unpackMetricRows } from '../../src/analytics/metric-packing.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';

const num = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 });
const row: fc.Arbitrary<MetricRow> = fc.record(
  {
    t: fc.integer({ min: 946684800000, max: 4102444800000 }),
    d: num,
    mos: num,
    loss: num,
    rtt: num,
    jit: num,
    jb: num,
    fps: num,
    w: num,
    h: num,
    br: num,
    pk: num,
    pl: num,
    by: num,
    kf: num,
    fr: num,
    ql: fc.constantFrom('b', 'c', 'o') as fc.Arbitrary<'b' | 'c' | 'o'>,
    nv: fc.constant(1 as const),
    fz: num,
    fb: num,
    cr: fc.constant(1 as const),
    nk: num,
    rx: num,
    rp: num,
    fc: num,
    fd: num,
    cs: num,
    ab: num,
    tb: num,
    te: fc.constant(1 as const),
    pli: num,
    fir: num,
    rxb: num,
    fec: num,
    fecd: num,
  },
  { requiredKeys: ['t'], noNullPrototype: true },
);

/** The row without its undefined-valued keys (an absent value decodes as an undefined key). */
function present(r: MetricRow): MetricRow {
  return Object.fromEntries(
    Object.entries(r).filter(([, v]) => v !== undefined),
  ) as unknown as MetricRow;
}

test('round trip keeps every present key and value, and no absent value', () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
      const back = unpackMetricRows(packMetricRows(rows));
      assert.deepEqual(back.map(present), rows);
    }),
  );
});

test('decoded rows all have one shape: the same keys in the same order', () => {
  fc.assert(
    fc.property(fc.array(row, { minLength: 2, maxLength: 20 }), (rows) => {
      const keys = new Set(
        unpackMetricRows(packMetricRows(rows)).map((r) => Object.keys(r).join()),
      );
      assert.equal(keys.size, 1);
    }),
  );
});

test('unaligned buffers decode too, and a wrong version is refused', () => {
  const packed = packMetricRows([{ t: 1_700_000_000_000, mos: 4.1, ql: 'b' }]);
  const shifted = Buffer.alloc(packed.length + 3);
  packed.copy(shifted, 3);
  assert.deepEqual(unpackMetricRows(shifted.subarray(3)).map(present), [
    { t: 1_700_000_000_000, mos: 4.1, ql: 'b' },
  ]);
  const bad = Buffer.from(packed);
  bad.writeDoubleLE(99, 0);
  assert.throws(() => unpackMetricRows(bad), /version/);
});

test('chunks stored in format version 1 (before the diagnosis evidence) still decode, without those columns', () => {
  // Version 1 layout, written by hand: header [1, n, 21], then 21 columns of n values (NaN = absent).
  const v1 = [
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
  ];
  const f = new Float64Array(3 + 2 * v1.length).fill(NaN);
  f[0] = 1;
  f[1] = 2;
  f[2] = v1.length;
  f[3] = 1_700_000_000_000;
  f[4] = 1_700_000_002_000;
  f[3 + 2 * v1.indexOf('pl') + 1] = 7;
  const rows = unpackMetricRows(Buffer.from(f.buffer));
  assert.deepEqual(rows.map(present), [{ t: 1_700_000_000_000 }, { t: 1_700_000_002_000, pl: 7 }]);
  assert.ok(
    'rp' in rows[0] && rows[0].rp === undefined,
    'the new columns are present as undefined keys (one shape)',
  );
  f[2] = 22;
  assert.throws(() => unpackMetricRows(Buffer.from(f.buffer)), /columns/);
});

test('chunks stored in format version 2 (before PLI, FIR, retransmitted bytes and FEC) still decode, without those columns', () => {
  // Version 2: the 21 columns of version 1, then nk rx rp fc fd cs ab tb te (30 in all).
  const k = 30;
  const f = new Float64Array(3 + k).fill(NaN);
  f[0] = 2;
  f[1] = 1;
  f[2] = k;
  f[3] = 1_700_000_000_000;
  f[3 + 21] = 4; // nk
  const [r] = unpackMetricRows(Buffer.from(f.buffer));
  assert.deepEqual(present(r), { t: 1_700_000_000_000, nk: 4 });
  assert.ok(
    'pli' in r && r.pli === undefined && r.fecd === undefined,
    'the version 3 columns are undefined keys',
  );
});

test('version 3 carries PLI, FIR, retransmitted bytes and FEC received and discarded', () => {
  const rows: MetricRow[] = [{ t: 1_700_000_000_000, pli: 2, fir: 1, rxb: 4800, fec: 12, fecd: 9 }];
  assert.deepEqual(unpackMetricRows(packMetricRows(rows)).map(present), rows);
});

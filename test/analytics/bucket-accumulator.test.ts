/**
 * The dense accumulator of the quality queries builds the same bucket as adding each peer with `addPeer` (rows as
 * the databases return them: numbers or numeric strings, nulls for missing figures, scale ends, masks with every
 * kind) and as merging stored buckets with `mergeBucket` (parsed from their JSON, a kind this version does not
 * know, parts missing), and merges other accumulators.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BucketAccumulator,
  FIGURE_ROW_COLUMNS,
  PACKED_NO_FIGURE,
} from '../../src/rollup/bucket-accumulator.ts';
import {
  addPeer,
  emptyBucket,
  mergeBucket,
  HISTOGRAMS,
  type BucketData,
} from '../../src/rollup/bucket-data.ts';
import { bucketOf, histogramPercentile, type HistogramMetric } from '../../src/rollup/histogram.ts';
import { ISSUE_KINDS, VERDICTS } from '../../src/rollup/rollup-diagnosis.ts';
import type { PeerRollup } from '../../src/rollup/peer-rollup.ts';

type Figures = Pick<PeerRollup, (typeof FIGURE_ROW_COLUMNS)[number]>;

const figure = (max: number) =>
  fc.option(
    fc.oneof(
      fc.double({ min: 0, max, noNaN: true }),
      fc.constantFrom(0, max, max * 2, 1, 0.01, 0.1),
    ),
    { nil: null },
  );

const peerFigures: fc.Arbitrary<Figures> = fc.record({
  minutes: fc.double({ min: 0, max: 600, noNaN: true }),
  audio_mos: fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: null }),
  video_mos: fc.option(fc.double({ min: 0.5, max: 5.5, noNaN: true }), { nil: null }),
  loss_p50: figure(100),
  rtt_p50: figure(10_000),
  jitter_p50: figure(1_000),
  verdict: fc.constantFrom(...VERDICTS),
  issue_mask: fc.integer({ min: 0, max: 2 ** ISSUE_KINDS.length - 1 }),
});

test('the accumulator builds the bucket addPeer builds, from rows of numbers or numeric strings', () => {
  fc.assert(
    fc.property(
      fc.array(peerFigures, { maxLength: 60 }),
      fc.boolean(),
      fc.nat(3),
      (peers, asStrings, offset) => {
        const expected = emptyBucket();
        const acc = new BucketAccumulator();
        let minutes = 0;
        for (const p of peers) {
          addPeer(expected, p as PeerRollup);
          minutes += p.minutes;
          // The group columns come first; PostgreSQL may give numbers as strings.
          const row: unknown[] = [
            ...Array.from({ length: offset }, (_, i) => `group${i}`),
            ...FIGURE_ROW_COLUMNS.map((c) =>
              asStrings && typeof p[c] === 'number' ? String(p[c]) : p[c],
            ),
          ];
          acc.addRow(row, offset);
        }
        assert.deepEqual(acc.bucket(), expected);
        for (const [key, metric] of Object.entries(HISTOGRAMS) as [
          keyof typeof HISTOGRAMS,
          HistogramMetric,
        ][])
          for (const q of [0.1, 0.5, 0.9])
            assert.equal(
              acc.percentile(key, q),
              histogramPercentile(expected.h[key], metric, q) ?? null,
              `${key} p${q}`,
            );
        VERDICTS.forEach((v, i) => assert.equal(acc.verdictPeers(v), expected.v[i], v));
        assert.equal(acc.peers, peers.length);
        assert.ok(Math.abs(acc.minutes - minutes) < 1e-6, 'minutes');
      },
    ),
    { numRuns: 300 },
  );
});

test('an unknown verdict in a row is an error, not a peer counted nowhere', () => {
  const acc = new BucketAccumulator();
  assert.throws(
    () => acc.addRow([1, 4, 4, 0, 10, 1, 'terrible', 0], 0),
    /unknown verdict terrible/,
  );
});

/** `b` without the zero counts a sparse bucket may keep or drop (figures read them alike). */
function nonZero(b: BucketData): BucketData {
  return { ...b, k: Object.fromEntries(Object.entries(b.k).filter(([, n]) => n !== 0)) };
}

test('merging stored buckets and other accumulators gives what mergeBucket gives', () => {
  fc.assert(
    fc.property(fc.array(fc.array(peerFigures, { maxLength: 12 }), { maxLength: 8 }), (parts) => {
      const expected = emptyBucket();
      const merged = new BucketAccumulator();
      const viaParts = new BucketAccumulator();
      let peers = 0;
      parts.forEach((part, i) => {
        const b = emptyBucket();
        for (const p of part) addPeer(b, p as PeerRollup);
        // A kind written by a later version is carried, not dropped.
        if (i === 1) b.k.future_kind = 2;
        mergeBucket(expected, b);
        peers += part.length;
        const stored = JSON.parse(JSON.stringify(b)) as Partial<BucketData>;
        merged.addBucket(stored, part.length, part.length * 10);
        const other = new BucketAccumulator();
        other.addBucket(stored, part.length, part.length * 10);
        viaParts.addAll(other);
      });
      assert.deepEqual(merged.bucket(), nonZero(expected));
      assert.deepEqual(viaParts.bucket(), nonZero(expected));
      assert.equal(merged.peers, peers);
      assert.equal(viaParts.minutes, peers * 10);
    }),
    { numRuns: 200 },
  );
});

test('a stored bucket with parts missing merges what it has', () => {
  const acc = new BucketAccumulator();
  acc.addBucket({ v: [1, 0, 0, 2] }, 3, 7.5);
  const b = acc.bucket();
  assert.deepEqual(b.v, [1, 0, 0, 2]);
  assert.deepEqual(b.k, {});
  assert.deepEqual(b.h, { am: {}, vm: {}, l: {}, r: {}, j: {} });
  assert.equal(acc.minutes, 7.5);
});

test('a packed row adds the peer its plain row adds', () => {
  fc.assert(
    fc.property(fc.array(peerFigures, { maxLength: 60 }), (peers) => {
      const plain = new BucketAccumulator();
      const packed = new BucketAccumulator();
      for (const p of peers) {
        plain.addRow(
          FIGURE_ROW_COLUMNS.map((c) => p[c]),
          0,
        );
        // As the database packs it (src/store/packed-figure-columns.ts), in HISTOGRAMS order.
        let buckets = 0;
        (Object.entries(HISTOGRAMS) as [keyof typeof HISTOGRAMS, HistogramMetric][]).forEach(
          ([, metric], i) => {
            const v = FIGURE_ROW_COLUMNS.slice(1, 6).map((c) => p[c])[i] as number | null;
            buckets += (v === null ? PACKED_NO_FIGURE : bucketOf(metric, v)) * 128 ** i;
          },
        );
        packed.addPacked(p.minutes, buckets, p.issue_mask * 4 + VERDICTS.indexOf(p.verdict));
      }
      assert.deepEqual(packed.bucket(), plain.bucket());
      assert.equal(packed.peers, plain.peers);
      assert.equal(packed.minutes, plain.minutes);
    }),
    { numRuns: 300 },
  );
});

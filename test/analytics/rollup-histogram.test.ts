/**
 * Fixed-bucket histograms of the fleet rollups: a percentile read from a
 * histogram is the representative of the bucket the exact (nearest-rank)
 * percentile falls in, hence within the documented error bound; merging and
 * taking peers out are exact; the mid-rank is the share below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addToHistogram,
  bucketCount,
  bucketOf,
  bucketThresholds,
  bucketValue,
  histogramPercentile,
  histogramRank,
  histogramTotal,
  mergeHistogram,
  type Histogram,
  type HistogramMetric,
} from '../../src/rollup/histogram.ts';

function nearestRank(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length - 1e-9)) - 1];
}

const RANGES: Record<HistogramMetric, [number, number]> = {
  mos: [1, 5],
  loss: [0, 100],
  rtt: [0, 10_000],
  jitter: [0, 1_000],
};

for (const metric of Object.keys(RANGES) as HistogramMetric[]) {
  test(`${metric}: a histogram percentile is the exact percentile's bucket value, within the documented bound`, () => {
    const [lo, hi] = RANGES[metric];
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.1, 0.5, 0.9, 0.99),
        (values, p) => {
          const h: Histogram = {};
          for (const v of values) addToHistogram(h, metric, v);
          const exact = nearestRank(values, p);
          const got = histogramPercentile(h, metric, p)!;
          assert.equal(got, bucketValue(metric, bucketOf(metric, exact)));
          if (metric === 'mos')
            assert.ok(Math.abs(got - exact) <= 0.025 + 1e-3, `${got} vs ${exact}`);
          else if (got > 0 && bucketOf(metric, exact) < bucketOf(metric, hi))
            assert.ok(Math.abs(got - exact) <= exact * 0.049 + 1e-3, `${got} vs ${exact}`);
        },
      ),
      { numRuns: 200 },
    );
  });
}

test('merging histograms equals counting all values; taking them out again leaves nothing', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 500, noNaN: true })),
      fc.array(fc.double({ min: 0, max: 500, noNaN: true })),
      (a, b) => {
        const ha: Histogram = {};
        const hb: Histogram = {};
        const all: Histogram = {};
        for (const v of a) (addToHistogram(ha, 'rtt', v), addToHistogram(all, 'rtt', v));
        for (const v of b) (addToHistogram(hb, 'rtt', v), addToHistogram(all, 'rtt', v));
        mergeHistogram(ha, hb);
        assert.deepEqual(ha, all);
        for (const v of [...a, ...b]) addToHistogram(all, 'rtt', v, -1);
        assert.deepEqual(all, {});
        assert.equal(histogramTotal(all), 0);
      },
    ),
  );
});

test('the mid-rank of a value: peers in lower buckets plus half of its own bucket', () => {
  const h: Histogram = {};
  for (const v of [2.0, 2.5, 3.0, 3.0, 4.0, 4.5]) addToHistogram(h, 'mos', v);
  assert.equal(histogramRank(h, 'mos', 3.0), (2 + 1) / 6);
  assert.equal(histogramRank(h, 'mos', 1.0), 0);
  assert.equal(histogramRank(h, 'mos', 5.0), 1);
  assert.equal(histogramRank({}, 'mos', 3), undefined);
});

/** The double next below a positive `v`. */
function below(v: number): number {
  const f = new Float64Array([v]);
  new BigInt64Array(f.buffer)[0] -= 1n;
  return f[0];
}

test('bucket edges are the exact doubles where bucketOf steps, and counting them gives bucketOf', () => {
  for (const metric of ['mos', 'loss', 'rtt', 'jitter'] as const) {
    const edges = bucketThresholds(metric);
    assert.equal(edges.length, bucketCount(metric) - 1, metric);
    edges.forEach((edge, i) => {
      assert.equal(bucketOf(metric, edge), i + 1, `${metric} edge ${i + 1}`);
      assert.equal(bucketOf(metric, below(edge)), i, `${metric} below edge ${i + 1}`);
    });
    // What a database's width_bucket(value, edges) does: the number of edges at or below the value.
    const counted = (v: number) => edges.filter((e) => e <= v).length;
    const top = metric === 'mos' ? 5 : metric === 'loss' ? 100 : metric === 'rtt' ? 10_000 : 1_000;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: -1, max: top * 2, noNaN: true }),
          fc.constantFrom(...edges).map((e) => Number(e.toFixed(3))),
        ),
        (v) => counted(v) === bucketOf(metric, v),
      ),
      { numRuns: 2000 },
    );
  }
});

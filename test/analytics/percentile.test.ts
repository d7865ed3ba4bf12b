import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  percentile,
  percentileOfSorted,
  percentilesInPlace,
} from '../../src/analytics/percentile.ts';

describe('percentile (Hyndman–Fan type 7 / Excel PERCENTILE.INC)', () => {
  it('matches PERCENTILE.INC on a hand-made set', () => {
    // {1, 2, 3, 4}: h = 3p. p50 → 2.5; p75 → h = 2.25 → 3.25; p90 → h = 2.7 → 3.7.
    assert.equal(percentile([4, 1, 3, 2], 0.5), 2.5);
    assert.equal(percentile([4, 1, 3, 2], 0.75), 3.25);
    assert.ok(Math.abs((percentile([4, 1, 3, 2], 0.9) as number) - 3.7) < 1e-12);
    // Excel: PERCENTILE.INC({15,20,35,40,50}, 0.4) = 29.
    assert.equal(percentile([15, 20, 35, 40, 50], 0.4), 29);
  });

  it('handles the ends, one value and no value', () => {
    assert.equal(percentile([3, 1, 2], 0), 1);
    assert.equal(percentile([3, 1, 2], 1), 3);
    assert.equal(percentile([7], 0.9), 7);
    assert.equal(percentile([], 0.5), undefined);
    assert.equal(percentileOfSorted(new Float64Array([1, 2, 3, 99]), 0.5, 3), 2, 'honours n');
  });

  it('lies between min and max and is monotone in p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, a, b) => {
          const lo = Math.min(a, b);
          const hi = Math.max(a, b);
          const pLo = percentile(values, lo) as number;
          const pHi = percentile(values, hi) as number;
          return pLo >= Math.min(...values) && pHi <= Math.max(...values) && pLo <= pHi;
        },
      ),
    );
  });

  it('percentile gives exactly the sort-based value, NaN included (sorted last, as before)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -5, max: 5 }), fc.constantFrom(0, -0, 1, NaN)), {
          maxLength: 200,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, p) => {
          assert.equal(
            percentile(values, p),
            percentileOfSorted(Float64Array.from(values).sort(), p),
          );
        },
      ),
    );
  });

  it('quickselect (percentilesInPlace) gives exactly the sort-based values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.constantFrom(1, 2, 3)), {
          minLength: 1,
          maxLength: 300,
        }),
        (values) => {
          const sorted = Float64Array.from(values).sort();
          const scratch = Float64Array.from(values);
          const ps = [0, 0.1, 0.5, 0.75, 0.9, 1];
          const out: number[] = [];
          assert.equal(percentilesInPlace(scratch, values.length, ps, out), true);
          ps.forEach((p, i) => assert.equal(out[i], percentileOfSorted(sorted, p)));
        },
      ),
    );
    assert.equal(percentilesInPlace(new Float64Array(4), 0, [0.5], []), false);
  });
});

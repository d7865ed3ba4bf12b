/**
 * Fixed-bucket histograms of per-peer figures, the unit the fleet rollups
 * store and merge (pure).
 *
 * Every histogram of one metric has the same buckets, so merging two is
 * adding counts bucket by bucket, and a percentile over any number of peers
 * is one walk over ≤ 100 buckets whatever the number of peers.
 *
 * Buckets and the error bound of a percentile read from them:
 * - MOS (1–5): linear buckets 0.05 wide; a percentile is reported as its
 *   bucket's midpoint, so it is within ±0.025 of the exact (nearest-rank)
 *   value over the same peers.
 * - packet loss (%), RTT (ms), jitter (ms): bucket 0 holds [0, `lo`); above
 *   it buckets grow geometrically by a factor of 1.1 (`lo`·1.1^(i−1) ≤ v <
 *   `lo`·1.1^i); a percentile is reported as its bucket's geometric
 *   midpoint, so it is within ±4.9 % (√1.1 − 1) of the exact value, and a
 *   value under `lo` (loss 0.01 %, RTT 1 ms, jitter 0.1 ms) is reported as 0.
 *   Values above the top (loss 100 %, RTT 10 s, jitter 1 s) are counted in
 *   the last bucket.
 *
 * The exact value the bound refers to is the nearest-rank percentile: the
 * smallest value v such that at least ⌈p·N⌉ of the N peers have a value ≤ v.
 * In fact the reported value is exactly the representative of the bucket
 * that exact value falls in (the tests check this equality).
 */

/** The metrics the rollups keep a histogram of. */
export type HistogramMetric = 'mos' | 'loss' | 'rtt' | 'jitter';

/** Sparse counts: bucket index → count. */
export type Histogram = Record<number, number>;

interface LogScale {
  lo: number;
  hi: number;
}

const GROWTH = 1.1;
const LN_GROWTH = Math.log(GROWTH);
const MOS_MIN = 1;
const MOS_WIDTH = 0.05;
const MOS_BUCKETS = 80;
const LOG_SCALES: Record<Exclude<HistogramMetric, 'mos'>, LogScale> = {
  loss: { lo: 0.01, hi: 100 },
  rtt: { lo: 1, hi: 10_000 },
  jitter: { lo: 0.1, hi: 1_000 },
};

function logBuckets(s: LogScale): number {
  return Math.ceil(Math.log(s.hi / s.lo) / LN_GROWTH) + 1;
}

/** The number of buckets of `metric`'s histograms. */
export function bucketCount(metric: HistogramMetric): number {
  return metric === 'mos' ? MOS_BUCKETS : logBuckets(LOG_SCALES[metric]);
}

/** The bucket `value` falls in (clamped to the scale's ends). */
export function bucketOf(metric: HistogramMetric, value: number): number {
  const last = bucketCount(metric) - 1;
  if (metric === 'mos') return clamp(Math.floor((value - MOS_MIN) / MOS_WIDTH + 1e-9), 0, last);
  const s = LOG_SCALES[metric];
  if (!(value >= s.lo)) return 0;
  return clamp(Math.floor(Math.log(value / s.lo) / LN_GROWTH + 1e-9) + 1, 1, last);
}

/** The value a bucket reports: its midpoint (MOS) or geometric midpoint (0 for bucket 0 of a log scale). */
export function bucketValue(metric: HistogramMetric, bucket: number): number {
  if (metric === 'mos') return round(MOS_MIN + (bucket + 0.5) * MOS_WIDTH, 3);
  if (bucket === 0) return 0;
  const s = LOG_SCALES[metric];
  return round(s.lo * GROWTH ** (bucket - 1) * Math.sqrt(GROWTH), 3);
}

/** Adds `weight` (1, or −1 to take a peer out) peers with `value` to `h`. */
export function addToHistogram(
  h: Histogram,
  metric: HistogramMetric,
  value: number,
  weight = 1,
): void {
  const b = bucketOf(metric, value);
  const next = (h[b] ?? 0) + weight;
  if (next === 0) delete h[b];
  else h[b] = next;
}

/** Adds the counts of `from` into `into`. */
export function mergeHistogram(into: Histogram, from: Histogram, weight = 1): void {
  for (const k in from) {
    const b = Number(k);
    const next = (into[b] ?? 0) + from[k] * weight;
    if (next === 0) delete into[b];
    else into[b] = next;
  }
}

/** The number of peers counted in `h`. */
export function histogramTotal(h: Histogram): number {
  let n = 0;
  for (const k in h) n += h[k];
  return n;
}

/** The 1-based rank of the nearest-rank `p` percentile among `total` values (ε: 0.9 × 10 is 9, not 10). */
export function nearestRank(p: number, total: number): number {
  return Math.max(1, Math.ceil(p * total - 1e-9));
}

/** The nearest-rank `p` percentile (0 < p ≤ 1) of `h`, as its bucket's value; undefined when empty. */
export function histogramPercentile(
  h: Histogram,
  metric: HistogramMetric,
  p: number,
): number | undefined {
  return histogramPercentiles(h, metric, [p])[0];
}

/**
 * The nearest-rank percentiles `ps` (each 0 < p ≤ 1) of `h` in one walk, as {@link histogramPercentile} gives
 * each; undefined when empty.
 */
export function histogramPercentiles(
  h: Histogram,
  metric: HistogramMetric,
  ps: readonly number[],
): (number | undefined)[] {
  const buckets: number[] = [];
  let total = 0;
  for (const k in h) {
    buckets.push(Number(k));
    total += h[k];
  }
  if (total <= 0) return ps.map(() => undefined);
  buckets.sort((a, b) => a - b);
  return ps.map((p) => {
    const rank = nearestRank(p, total);
    let seen = 0;
    for (const b of buckets) {
      seen += h[b];
      if (seen >= rank) return bucketValue(metric, b);
    }
    return bucketValue(metric, buckets[buckets.length - 1]);
  });
}

/**
 * Where `value` falls among the peers of `h`: the share (0–1) of them with a
 * lower value, counting the peers of its own bucket as half below (the
 * "mid-rank"). Undefined when `h` is empty.
 */
export function histogramRank(
  h: Histogram,
  metric: HistogramMetric,
  value: number,
): number | undefined {
  const total = histogramTotal(h);
  if (total <= 0) return undefined;
  const at = bucketOf(metric, value);
  let below = 0;
  for (const k in h) {
    const b = Number(k);
    if (b < at) below += h[k];
    else if (b === at) below += h[k] / 2;
  }
  return below / total;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function round(v: number, dp: number): number {
  const f = 10 ** dp;
  return Math.round(v * f) / f;
}

const thresholdCache = new Map<HistogramMetric, number[]>();

/**
 * The lower edges of `metric`'s buckets 1..last as doubles: element `n − 1` is the smallest double `v` with
 * `bucketOf(metric, v) ≥ n`, found by bisecting the doubles' bit patterns (positive doubles sort as their bits).
 * A database counts a value into the same bucket as {@link bucketOf} by counting the edges at or below it
 * (PostgreSQL's `width_bucket(value, edges)`), with no logarithm of its own that could round differently.
 */
export function bucketThresholds(metric: HistogramMetric): number[] {
  let edges = thresholdCache.get(metric);
  if (edges) return edges;
  const bits = new BigUint64Array(1);
  const float = new Float64Array(bits.buffer);
  const asDouble = (b: bigint) => ((bits[0] = b), float[0]);
  float[0] = metric === 'mos' ? MOS_MIN + (MOS_BUCKETS + 1) * MOS_WIDTH : LOG_SCALES[metric].hi * 2;
  const top = bits[0];
  edges = [];
  for (let n = 1; n < bucketCount(metric); n++) {
    // Invariant: bucketOf(lo) < n ≤ bucketOf(hi); bit pattern 0 is +0, below every edge.
    let lo = 0n;
    let hi = top;
    while (hi - lo > 1n) {
      const mid = (lo + hi) / 2n;
      if (bucketOf(metric, asDouble(mid)) >= n) hi = mid;
      else lo = mid;
    }
    edges.push(asDouble(hi));
  }
  thresholdCache.set(metric, edges);
  return edges;
}

/**
 * The one percentile definition used by every aggregate in peer-report:
 * linear interpolation between the closest ranks, i.e. Hyndman & Fan (1996)
 * definition 7, the same as Excel `PERCENTILE.INC`, NumPy's default
 * (`method='linear'`) and R's default `quantile(type = 7)`.
 *
 * For n sorted values x[0..n−1] and p in [0, 1]:
 *   h = (n − 1)·p,  P = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋])
 * so p = 0 is the minimum, p = 1 the maximum, and p = 0.5 the usual median
 * (the mean of the two middle values when n is even).
 *
 * Two ways to evaluate it, with identical results: {@link percentileOfSorted}
 * on sorted data, and {@link percentilesInPlace}, which only partially orders a
 * scratch Float64Array (quickselect of the two ranks around each h). The
 * aggregates use the second because it is several times cheaper than a full
 * sort on the 1,800-sample series of a 30-minute call.
 */

/**
 * Percentile `p` (0..1) of the first `n` values of `sorted`, which must be in
 * ascending order. Returns undefined when `n` is 0.
 */
export function percentileOfSorted(
  sorted: ArrayLike<number>,
  p: number,
  n: number = sorted.length,
): number | undefined {
  if (n <= 0) return undefined;
  if (n === 1) return sorted[0];
  const q = p <= 0 ? 0 : p >= 1 ? 1 : p;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = lo + 1 < n ? lo + 1 : lo;
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile `p` (0..1) of unsorted values (copied, then the ranks around it selected).
 * For several percentiles of the same data, use {@link percentilesInPlace} on one scratch copy.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  const scratch = Float64Array.from(values);
  // Quickselect (several times cheaper than the sort it replaced: a live 120-minute report took ~3 ms a request
  // sorting) gives the sort's value when equal values are identical: a NaN has no rank under `<`, and -0 equals 0
  // under it but sorts before it, so data holding either is sorted as before.
  for (let i = 0; i < scratch.length; i++)
    if (scratch[i] !== scratch[i] || Object.is(scratch[i], -0))
      return percentileOfSorted(scratch.sort(), p);
  const out = [0];
  return percentilesInPlace(scratch, scratch.length, [p], out) ? out[0] : undefined;
}

/** Sorts a[left..right] in place by insertion (small ranges). */
function insertionSort(a: Float64Array, left: number, right: number): void {
  for (let i = left + 1; i <= right; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= left && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/**
 * Partially orders a[left..right] so that a[k] holds the value of rank k and
 * everything before it (within the range) is <= a[k] <= everything after it
 * (Hoare partitioning around a median of three; expected O(n)).
 */
function selectRank(a: Float64Array, left: number, right: number, k: number): void {
  while (right - left > 16) {
    const mid = (left + right) >>> 1;
    const x = a[left];
    const y = a[mid];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return; // a[j+1..i-1] all equal the pivot
  }
  insertionSort(a, left, right);
}

/**
 * Percentiles `ps` (ascending, each in 0..1) of the first `n` values of
 * `values`, written to `out[0..ps.length−1]`; same definition as
 * {@link percentileOfSorted}. Reorders `values[0..n−1]` (pass a scratch copy).
 * Returns false (and leaves `out` alone) when `n` is 0.
 */
export function percentilesInPlace(
  values: Float64Array,
  n: number,
  ps: readonly number[],
  out: number[],
): boolean {
  if (n <= 0) return false;
  let from = 0; // values[0..from−1] are final: each <= every value after it
  for (let q = 0; q < ps.length; q++) {
    const p = ps[q] <= 0 ? 0 : ps[q] >= 1 ? 1 : ps[q];
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    if (lo >= from) {
      selectRank(values, from, n - 1, lo);
      from = lo + 1;
    }
    let v = values[lo];
    if (h > lo && lo + 1 < n) {
      if (lo + 1 >= from) {
        selectRank(values, from, n - 1, lo + 1);
        from = lo + 2;
      }
      v += (h - lo) * (values[lo + 1] - v);
    }
    out[q] = v;
  }
  return true;
}

/**
 * A rollup bucket built from per-peer figure rows (pure): the same counts as
 * adding each peer with `addPeer` (bucket-data.ts), kept in dense arrays
 * while the rows stream in and turned into a sparse {@link BucketData} once.
 * The quality queries' per-peer path (two filters grouped by a third) adds
 * tens of thousands of rows a query; `addPeer`'s sparse objects cost several
 * times the arithmetic there.
 */
import { bucketCount, bucketOf, type HistogramMetric } from './histogram.ts';
import { HISTOGRAMS, type BucketData } from './bucket-data.ts';
import { ISSUE_KINDS, VERDICTS, type Verdict } from './rollup-diagnosis.ts';

/** The figure columns a per-peer row carries, in this order, after its group columns. */
export const FIGURE_ROW_COLUMNS = [
  'minutes',
  'audio_mos',
  'video_mos',
  'loss_p50',
  'rtt_p50',
  'jitter_p50',
  'verdict',
  'issue_mask',
] as const;

const HISTOGRAM_KEYS = Object.keys(HISTOGRAMS) as (keyof typeof HISTOGRAMS)[];
const METRICS: HistogramMetric[] = HISTOGRAM_KEYS.map((k) => HISTOGRAMS[k]);
const KINDS = ISSUE_KINDS.length;
const RANK = new Map<string, number>(VERDICTS.map((v, i) => [v, i]));

/** One group's counts while its rows are added. */
export class BucketAccumulator {
  peers = 0;
  minutes = 0;
  readonly #verdicts = new Float64Array(VERDICTS.length);
  readonly #verdictKinds = new Float64Array(VERDICTS.length * KINDS);
  readonly #histograms = METRICS.map((m) => new Float64Array(bucketCount(m)));

  /**
   * Adds one peer from `row` read from `offset` on, in {@link FIGURE_ROW_COLUMNS} order (numbers or numeric
   * strings; null where the peer has no such figure).
   */
  addRow(row: readonly unknown[], offset: number): void {
    this.peers++;
    this.minutes += Number(row[offset]);
    for (let i = 0; i < METRICS.length; i++) {
      const v = row[offset + 1 + i];
      if (v === null || v === undefined) continue;
      this.#histograms[i][bucketOf(METRICS[i], Number(v))]++;
    }
    const rank = RANK.get(row[offset + 6] as Verdict);
    if (rank === undefined) throw new Error(`unknown verdict ${String(row[offset + 6])}`);
    this.#verdicts[rank]++;
    let mask = Number(row[offset + 7]);
    for (let k = 0; mask !== 0 && k < KINDS; k++, mask >>>= 1)
      if (mask & 1) this.#verdictKinds[rank * KINDS + k]++;
  }

  /** The counts as a bucket, as `addPeer` would have built it from the same peers. */
  bucket(): BucketData {
    const k: Record<string, number> = {};
    for (let i = 0; i < KINDS; i++) {
      let n = 0;
      for (let r = 0; r < VERDICTS.length; r++) n += this.#verdictKinds[r * KINDS + i];
      if (n !== 0) k[ISSUE_KINDS[i]] = n;
    }
    const h = {} as BucketData['h'];
    HISTOGRAM_KEYS.forEach((key, i) => {
      const sparse: Record<number, number> = {};
      this.#histograms[i].forEach((n, b) => {
        if (n !== 0) sparse[b] = n;
      });
      h[key] = sparse;
    });
    return { v: [...this.#verdicts], k, vk: [...this.#verdictKinds], h };
  }
}

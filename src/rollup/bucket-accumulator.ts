/**
 * A group's merged rollup bucket while a quality query builds it (pure):
 * stored buckets merged as `mergeBucket` (bucket-data.ts) would, or per-peer
 * figure rows added as `addPeer` would, kept in dense arrays and turned into a
 * sparse {@link BucketData} once. A query merges up to thousands of stored
 * buckets or adds tens of thousands of rows; the sparse objects' keyed
 * updates cost several times the arithmetic.
 */
import {
  bucketCount,
  bucketOf,
  bucketValue,
  nearestRank,
  type HistogramMetric,
} from './histogram.ts';
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

/**
 * A packed figure row (see {@link BucketAccumulator.addPacked}): each histogram's bucket index takes this many
 * bits, and its all-ones value stands for a peer without that figure. Five 7-bit indexes fit a double exactly.
 */
export const PACKED_BUCKET_BITS = 7;
/** The packed bucket index of a peer without the figure. */
export const PACKED_NO_FIGURE = 2 ** PACKED_BUCKET_BITS - 1;
const PACKED_BASE = 2 ** PACKED_BUCKET_BITS;

const HISTOGRAM_KEYS = Object.keys(HISTOGRAMS) as (keyof typeof HISTOGRAMS)[];
const METRICS: HistogramMetric[] = HISTOGRAM_KEYS.map((k) => HISTOGRAMS[k]);
const KINDS = ISSUE_KINDS.length;
const RANK = new Map<string, number>(VERDICTS.map((v, i) => [v, i]));
// The packed layout's limits: a bucket index below the no-figure value, a verdict rank in two bits, five indexes
// and the mask within a double's exact integers. A later scale or verdict that breaks them fails at load, not in
// the counts.
if (
  METRICS.some((m) => bucketCount(m) > PACKED_NO_FIGURE) ||
  VERDICTS.length > 4 ||
  METRICS.length * PACKED_BUCKET_BITS > 53 ||
  KINDS > 29
)
  throw new Error(
    'the packed figure row layout no longer fits the histograms, verdicts or issue kinds',
  );

/** One group's counts while its rows are added. */
export class BucketAccumulator {
  peers = 0;
  minutes = 0;
  readonly #verdicts = new Float64Array(VERDICTS.length);
  /** Peers by issue kind, by name (a stored bucket may name a kind this version does not know). */
  readonly #kinds: Record<string, number> = {};
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
    this.#addVerdict(rank, Number(row[offset + 7]));
  }

  /**
   * Adds one peer from a packed row, as {@link addRow} would from the plain one: `buckets` is
   * Σ bucketᵢ · 2^(7·i) over the histograms in {@link HISTOGRAMS} order ({@link PACKED_NO_FIGURE} where the peer has
   * no such figure), `verdictMask` is `issue_mask · 4 + verdict rank` (VERDICTS order). A database that sends rows
   * as text (PostgreSQL) builds these two integers itself, so a row crosses as three values instead of eight.
   */
  addPacked(minutes: number, buckets: number, verdictMask: number): void {
    this.peers++;
    this.minutes += minutes;
    // Above 2^32: division, not bit operations.
    for (let i = 0; i < METRICS.length; i++) {
      const b = buckets % PACKED_BASE;
      buckets = (buckets - b) / PACKED_BASE;
      if (b !== PACKED_NO_FIGURE) this.#histograms[i][b]++;
    }
    this.#addVerdict(verdictMask & 3, verdictMask >>> 2);
  }

  /** Counts one peer's verdict (its rank in VERDICTS) and issue kinds (bit k: ISSUE_KINDS[k]). */
  #addVerdict(rank: number, mask: number): void {
    this.#verdicts[rank]++;
    for (let k = 0; mask !== 0 && k < KINDS; k++, mask >>>= 1)
      if (mask & 1) {
        this.#verdictKinds[rank * KINDS + k]++;
        this.#kinds[ISSUE_KINDS[k]] = (this.#kinds[ISSUE_KINDS[k]] ?? 0) + 1;
      }
  }

  /** Merges a stored bucket (as parsed from its JSON; any part may be missing) with its peer and minute counts. */
  addBucket(b: Partial<BucketData>, peers: number, minutes: number): void {
    this.peers += peers;
    this.minutes += minutes;
    if (Array.isArray(b.v))
      for (let i = 0; i < this.#verdicts.length; i++) this.#verdicts[i] += Number(b.v[i]) || 0;
    if (Array.isArray(b.vk))
      for (let i = 0; i < this.#verdictKinds.length; i++)
        this.#verdictKinds[i] += Number(b.vk[i]) || 0;
    if (b.k) for (const kind in b.k) this.#kinds[kind] = (this.#kinds[kind] ?? 0) + b.k[kind];
    if (b.h)
      for (let i = 0; i < HISTOGRAM_KEYS.length; i++) {
        const from = b.h[HISTOGRAM_KEYS[i]];
        const into = this.#histograms[i];
        if (from) for (const k in from) into[Number(k)] += from[k];
      }
  }

  /** Merges another accumulator's counts. */
  addAll(other: BucketAccumulator): void {
    this.peers += other.peers;
    this.minutes += other.minutes;
    add(this.#verdicts, other.#verdicts);
    add(this.#verdictKinds, other.#verdictKinds);
    for (const kind in other.#kinds)
      this.#kinds[kind] = (this.#kinds[kind] ?? 0) + other.#kinds[kind];
    this.#histograms.forEach((h, i) => add(h, other.#histograms[i]));
  }

  /** Peers with `verdict`. */
  verdictPeers(verdict: Verdict): number {
    return this.#verdicts[RANK.get(verdict)!];
  }

  /**
   * The nearest-rank `p` percentile of histogram `key`, as `histogramPercentile` reads it from {@link bucket}
   * (null when empty), without building the bucket: a query's sparklines read two a day for each group.
   */
  percentile(key: keyof typeof HISTOGRAMS, p: number): number | null {
    const i = HISTOGRAM_KEYS.indexOf(key);
    const h = this.#histograms[i];
    let total = 0;
    for (let b = 0; b < h.length; b++) total += h[b];
    if (total <= 0) return null;
    const rank = nearestRank(p, total);
    let seen = 0;
    for (let b = 0; b < h.length; b++) {
      seen += h[b];
      if (h[b] !== 0 && seen >= rank) return bucketValue(METRICS[i], b);
    }
    return null;
  }

  /** The counts as a bucket, as `addPeer` and `mergeBucket` would have built it. */
  bucket(): BucketData {
    const k: Record<string, number> = {};
    for (const kind in this.#kinds) if (this.#kinds[kind] !== 0) k[kind] = this.#kinds[kind];
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

function add(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i];
}

/**
 * What a rollup bucket holds beyond its peer and minute counts (pure): peers
 * by verdict, peers by issue kind, and histograms (histogram.ts) over its
 * peers of audio MOS, video MOS, and each peer's median loss, RTT and
 * jitter. A bucket is a sum of per-peer contributions, so a peer is taken
 * out again by adding its contribution with weight −1 (late telemetry), and
 * buckets of several days or groups merge by adding.
 */
import {
  addToHistogram,
  histogramPercentiles,
  mergeHistogram,
  type Histogram,
  type HistogramMetric,
} from './histogram.ts';
import type { PeerRollup } from './peer-rollup.ts';
import { ISSUE_KINDS, VERDICTS, type Verdict } from './rollup-diagnosis.ts';

/** Histogram keys: audio MOS, video MOS, loss, RTT, jitter (per-peer medians). */
export const HISTOGRAMS = {
  am: 'mos',
  vm: 'mos',
  l: 'loss',
  r: 'rtt',
  j: 'jitter',
} as const satisfies Record<string, HistogramMetric>;
type HistogramKey = keyof typeof HISTOGRAMS;

/** The counts of a bucket (serialised in `rollup_buckets.data`). */
export interface BucketData {
  /** Peers by verdict, in VERDICTS order. */
  v: number[];
  /** Peers by issue kind. */
  k: Record<string, number>;
  /** Peers by verdict and issue kind: index `verdict × ISSUE_KINDS.length + kind` (the peers query's counts). */
  vk: number[];
  h: Record<HistogramKey, Histogram>;
}

/** An empty bucket. */
export function emptyBucket(): BucketData {
  return {
    v: VERDICTS.map(() => 0),
    k: {},
    vk: new Array<number>(VERDICTS.length * ISSUE_KINDS.length).fill(0),
    h: { am: {}, vm: {}, l: {}, r: {}, j: {} },
  };
}

/** Adds one peer (weight 1) or takes it out (−1). */
export function addPeer(b: BucketData, p: PeerRollup, weight = 1): void {
  const rank = VERDICTS.indexOf(p.verdict);
  b.v[rank] += weight;
  ISSUE_KINDS.forEach((kind, i) => {
    if ((p.issue_mask & (1 << i)) === 0) return;
    b.vk[rank * ISSUE_KINDS.length + i] += weight;
    const next = (b.k[kind] ?? 0) + weight;
    if (next === 0) delete b.k[kind];
    else b.k[kind] = next;
  });
  const values: Record<HistogramKey, number | null> = {
    am: p.audio_mos,
    vm: p.video_mos,
    l: p.loss_p50,
    r: p.rtt_p50,
    j: p.jitter_p50,
  };
  for (const key of Object.keys(HISTOGRAMS) as HistogramKey[]) {
    const v = values[key];
    if (v !== null && v !== undefined) addToHistogram(b.h[key], HISTOGRAMS[key], Number(v), weight);
  }
}

const HISTOGRAM_KEYS = Object.keys(HISTOGRAMS) as HistogramKey[];

/** Adds `from` into `into`. */
export function mergeBucket(into: BucketData, from: BucketData): void {
  for (let i = 0; i < from.v.length; i++) into.v[i] += from.v[i];
  for (let i = 0; i < from.vk.length; i++) into.vk[i] += from.vk[i];
  for (const kind in from.k) into.k[kind] = (into.k[kind] ?? 0) + from.k[kind];
  for (const key of HISTOGRAM_KEYS) mergeHistogram(into.h[key], from.h[key] ?? {});
}

/** Parses a stored bucket (tolerating one written before a histogram or verdict was added; migration 045 rewrote those without `vk`). */
export function parseBucket(json: string): BucketData {
  const b = JSON.parse(json) as Partial<BucketData>;
  const out = emptyBucket();
  if (Array.isArray(b.v)) b.v.forEach((n, i) => (out.v[i] = Number(n) || 0));
  if (b.k) out.k = b.k;
  if (Array.isArray(b.vk)) b.vk.forEach((n, i) => (out.vk[i] = Number(n) || 0));
  if (b.h) for (const key of Object.keys(HISTOGRAMS) as HistogramKey[]) out.h[key] = b.h[key] ?? {};
  return out;
}

/** The figures of one group, as the quality analytics API answers them. */
export interface GroupFigures {
  peers: number;
  peer_minutes: number;
  audio_mos: Percentiles3;
  video_mos: Percentiles3;
  /** Share (0–1, 4 decimals) of the peers by verdict. */
  verdicts: Record<Verdict, number>;
  packet_loss: Percentiles2;
  rtt: Percentiles2;
  jitter: Percentiles2;
  /** Most frequent issue kinds first: peers with the issue. */
  top_issues: { kind: string; peers: number }[];
}
type Percentiles3 = { p10: number | null; p50: number | null; p90: number | null };
type Percentiles2 = { p50: number | null; p90: number | null };

/** `n` of `peers` as a share rounded to 4 places (0 for no peers): how a group's verdict shares are reported. */
export function shareOf(n: number, peers: number): number {
  return peers > 0 ? Math.round((n / peers) * 10_000) / 10_000 : 0;
}

/** The figures of a group from its merged bucket (peers, minutes counted alongside). */
export function groupFigures(
  b: BucketData,
  peers: number,
  minutes: number,
  topIssues = 5,
): GroupFigures {
  const p = (key: HistogramKey, qs: readonly number[]) =>
    histogramPercentiles(b.h[key], HISTOGRAMS[key], qs).map((v) => v ?? null);
  const [am10, am50, am90] = p('am', [0.1, 0.5, 0.9]);
  const [vm10, vm50, vm90] = p('vm', [0.1, 0.5, 0.9]);
  const [l50, l90] = p('l', [0.5, 0.9]);
  const [r50, r90] = p('r', [0.5, 0.9]);
  const [j50, j90] = p('j', [0.5, 0.9]);
  return {
    peers,
    peer_minutes: Math.round(minutes * 100) / 100,
    audio_mos: { p10: am10, p50: am50, p90: am90 },
    video_mos: { p10: vm10, p50: vm50, p90: vm90 },
    verdicts: Object.fromEntries(VERDICTS.map((v, i) => [v, shareOf(b.v[i], peers)])) as Record<
      Verdict,
      number
    >,
    packet_loss: { p50: l50, p90: l90 },
    rtt: { p50: r50, p90: r90 },
    jitter: { p50: j50, p90: j90 },
    top_issues: Object.entries(b.k)
      .filter(([, n]) => n > 0)
      .sort((a, c) => c[1] - a[1] || a[0].localeCompare(c[0]))
      .slice(0, topIssues)
      .map(([kind, n]) => ({ kind, peers: n })),
  };
}

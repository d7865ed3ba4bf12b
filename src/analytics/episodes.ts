/**
 * "When did it go bad?" — degradation episodes and the worst 10-second MOS
 * window of one series (quality-scoring.md §5 #3). Rows are read in time
 * order; rows of several parallel streams of the same series (e.g. three
 * remote speakers) may be mixed: an episode means "some stream of this series
 * was degraded", and good rows of another stream do not end it.
 */
import type { MetricRow } from './metric-row.ts';

/** One stretch of time during which a figure stayed past its threshold. */
export interface DegradationEpisode {
  kind: EpisodeKind;
  /** ISO time of the start of the first bad interval. */
  start: string;
  /** ISO time of the end of the last bad interval. */
  end: string;
  /** Worst value in the episode (max for loss/rtt/jitter_buffer/freeze, min for mos). */
  worst: number;
  /** Number of bad samples in the episode. */
  samples: number;
}

export type EpisodeKind = 'loss' | 'rtt' | 'jitter_buffer' | 'mos' | 'freeze';

/**
 * Episode thresholds:
 * - loss ≥ 5 %: RealtimeKit's lowest loss bucket, webrtc-issue-detector's loss
 *   issue and Daily's "good" limit (quality-scoring.md §1C).
 * - rtt ≥ 250 ms: RealtimeKit's middle RTT bucket and webrtc-issue-detector's threshold.
 * - jitter_buffer ≥ 250 ms: RealtimeKit's middle jitter-buffer bucket.
 * - mos < 3.5: ObserveRTC's "bad" and Twilio's documented warning (§1C, §2.3).
 * - freeze: any frozen time in the interval (fz > 0).
 */
export const EPISODE_THRESHOLDS = { loss: 5, rtt: 250, jitter_buffer: 250, mos: 3.5 } as const;

/** Bad samples closer than this (gap between one's end and the next one's start) belong to one episode. */
export const EPISODE_MERGE_GAP_MS = 2000;

/** At most this many episodes are returned (earliest first); `truncated` says when more existed. */
export const MAX_EPISODES = 100;

const KINDS: readonly EpisodeKind[] = ['loss', 'rtt', 'jitter_buffer', 'mos', 'freeze'];
const MOS_KIND = KINDS.indexOf('mos');

/** The value of `kind` in `row` when it is past the threshold, else undefined. */
function badValue(kind: EpisodeKind, row: MetricRow): number | undefined {
  switch (kind) {
    case 'loss':
      return row.loss !== undefined && row.loss >= EPISODE_THRESHOLDS.loss ? row.loss : undefined;
    case 'rtt':
      return row.rtt !== undefined && row.rtt >= EPISODE_THRESHOLDS.rtt ? row.rtt : undefined;
    case 'jitter_buffer':
      return row.jb !== undefined && row.jb >= EPISODE_THRESHOLDS.jitter_buffer
        ? row.jb
        : undefined;
    case 'mos':
      return row.mos !== undefined && row.mos < EPISODE_THRESHOLDS.mos ? row.mos : undefined;
    case 'freeze':
      return row.fz !== undefined && row.fz > 0 ? row.fz : undefined;
  }
}

/** Start of the interval a row describes, epoch ms. */
export function rowStart(row: MetricRow): number {
  return row.d !== undefined && row.d > 0 ? row.t - row.d * 1000 : row.t;
}

/**
 * Indices of `rows` in time order, or undefined when they already are
 * (the common case; no allocation then).
 */
export function timeOrder(rows: readonly MetricRow[]): Uint32Array | undefined {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].t < rows[i - 1].t) {
      const order = new Uint32Array(rows.length);
      for (let j = 0; j < order.length; j++) order[j] = j;
      return order.sort((a, b) => rows[a].t - rows[b].t || a - b);
    }
  }
  return undefined;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

interface RawEpisode {
  kind: number;
  start: number;
  end: number;
  worst: number;
  samples: number;
}

// Per-kind state of the single pass below, indexed like KINDS; reused across calls.
const openStart = new Float64Array(KINDS.length);
const openEnd = new Float64Array(KINDS.length);
const openWorst = new Float64Array(KINDS.length);
const openSamples = new Int32Array(KINDS.length); // 0 = no open episode
const keptPerKind = new Int32Array(KINDS.length);

/**
 * Degradation episodes of all kinds, sorted by start time, at most
 * {@link MAX_EPISODES}. The earliest MAX_EPISODES overall are among the
 * earliest MAX_EPISODES of each kind, so each kind keeps only that many and
 * merely counts the rest. One pass over the rows.
 */
export function degradationEpisodes(
  rows: readonly MetricRow[],
  order: Uint32Array | undefined = timeOrder(rows),
): { episodes: DegradationEpisode[]; truncated: boolean } {
  const found: RawEpisode[] = [];
  let total = 0;
  openSamples.fill(0);
  keptPerKind.fill(0);
  const closeEpisode = (k: number): void => {
    total++;
    if (keptPerKind[k] < MAX_EPISODES) {
      keptPerKind[k]++;
      found.push({
        kind: k,
        start: openStart[k],
        end: openEnd[k],
        worst: openWorst[k],
        samples: openSamples[k],
      });
    }
    openSamples[k] = 0;
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[order === undefined ? i : order[i]];
    const t = row.t;
    let rs = -1; // computed lazily: most rows are not bad
    for (let k = 0; k < KINDS.length; k++) {
      const value = badValue(KINDS[k], row);
      if (value === undefined) continue;
      if (rs === -1) rs = rowStart(row);
      if (openSamples[k] > 0 && rs - openEnd[k] < EPISODE_MERGE_GAP_MS) {
        if (t > openEnd[k]) openEnd[k] = t;
        if (k === MOS_KIND ? value < openWorst[k] : value > openWorst[k]) openWorst[k] = value;
        openSamples[k]++;
      } else {
        if (openSamples[k] > 0) closeEpisode(k);
        openStart[k] = rs;
        openEnd[k] = t;
        openWorst[k] = value;
        openSamples[k] = 1;
      }
    }
  }
  for (let k = 0; k < KINDS.length; k++) if (openSamples[k] > 0) closeEpisode(k);
  found.sort((a, b) => a.start - b.start || a.kind - b.kind);
  const n = Math.min(found.length, MAX_EPISODES);
  const episodes: DegradationEpisode[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const e = found[i];
    episodes[i] = {
      kind: KINDS[e.kind],
      start: iso(e.start),
      end: iso(e.end),
      worst: e.worst,
      samples: e.samples,
    };
  }
  return { episodes, truncated: total > MAX_EPISODES };
}

/** Length of the worst-MOS window. */
export const WORST_WINDOW_MS = 10_000;

/**
 * Lowest duration-weighted mean MOS over any 10-second window.
 *
 * A window (T − 10 s, T] ends at the end of each scored row; it holds the rows
 * (with `mos` and `d`) that end inside it, weighted by their `d`. A window
 * counts only when it lies entirely after the start of the first scored row
 * and at least half of it (5 s) is scored, so a lone bad sample after a long
 * mute is not reported as ten bad seconds. Undefined when no window qualifies
 * (less than 10 s of scored time). Two-pointer pass, O(n).
 */
export function worstWindowMos(
  rows: readonly MetricRow[],
  order: Uint32Array | undefined = timeOrder(rows),
): { mos: number; start: string; end: string } | undefined {
  let firstStart = Number.POSITIVE_INFINITY;
  let tail = 0; // position (in time order) of the oldest row still in the window
  let sumW = 0;
  let sumWM = 0;
  let best: { mean: number; end: number } | undefined;
  for (let k = 0; k < rows.length; k++) {
    const row = rows[order === undefined ? k : order[k]];
    if (row.mos === undefined || row.d === undefined || !(row.d > 0)) continue;
    if (firstStart === Number.POSITIVE_INFINITY) firstStart = rowStart(row);
    sumW += row.d;
    sumWM += row.d * row.mos;
    const windowStart = row.t - WORST_WINDOW_MS;
    while (tail < k) {
      const old = rows[order === undefined ? tail : order[tail]];
      if (old.mos !== undefined && old.d !== undefined && old.d > 0) {
        if (old.t > windowStart) break;
        sumW -= old.d;
        sumWM -= old.d * old.mos;
      }
      tail++;
    }
    if (windowStart + 1 < firstStart || sumW < (WORST_WINDOW_MS / 1000) * 0.5) continue;
    const mean = sumWM / sumW;
    if (best === undefined || mean < best.mean) best = { mean, end: row.t };
  }
  if (best === undefined) return undefined;
  return {
    mos: Math.round(best.mean * 100) / 100,
    start: iso(best.end - WORST_WINDOW_MS),
    end: iso(best.end),
  };
}

/**
 * Turns a stream's intervals into episodes with hysteresis: an episode opens
 * on a sample at or past `enter`, stays open while samples stay at or past
 * `exit`, and runs closer than the merge gap are joined. Episodes shorter than
 * the minimum length or with fewer than the minimum samples are dropped, so a
 * single bad sample is never an issue.
 */
import type { DiagnosisInterval } from './types.ts';
import { EPISODE } from './thresholds.ts';

/** One episode: its time range and the values of its samples. */
export interface RawEpisode {
  start: number;
  end: number;
  values: number[];
  /** Seconds covered by the bad samples. */
  seconds: number;
}

/** Options of {@link findEpisodes}. */
export interface EpisodeOptions {
  enter: number;
  exit: number;
  /** `low`: smaller is worse (e.g. MOS). Default `high`. */
  worse?: 'high' | 'low';
  mergeGapMs?: number;
  minDurationMs?: number;
  minSamples?: number;
  /** Samples ending before this time are ignored (e.g. a ramp-up). */
  notBefore?: number;
  /**
   * An episode whose median is not past `enter` was held open by samples
   * between `exit` and `enter` (a lossy baseline): it is replaced by the
   * episodes found without hysteresis inside it (hysteresis extends an
   * episode, it must not define it).
   */
  typicalPastEnter?: boolean;
}

/** Start of the interval a sample describes (its end when its length is unknown). */
export function intervalStart(i: DiagnosisInterval): number {
  return i.d !== undefined && i.d > 0 ? i.t - i.d * 1000 : i.t;
}

/** Episodes of `value` over `intervals` (time order). */
export function findEpisodes(
  intervals: readonly DiagnosisInterval[],
  value: (i: DiagnosisInterval) => number | undefined,
  opts: EpisodeOptions,
): RawEpisode[] {
  const low = opts.worse === 'low';
  const past = (v: number, level: number) => (low ? v <= level : v >= level);
  const runs: RawEpisode[] = [];
  let open: RawEpisode | undefined;
  for (const i of intervals) {
    if (opts.notBefore !== undefined && i.t < opts.notBefore) continue;
    const v = value(i);
    if (v === undefined || !Number.isFinite(v)) continue; // unknown: neither opens nor closes
    if (open && past(v, opts.exit)) {
      open.end = i.t;
      open.values.push(v);
      open.seconds += i.d ?? 0;
    } else if (past(v, opts.enter)) {
      open = { start: intervalStart(i), end: i.t, values: [v], seconds: i.d ?? 0 };
      runs.push(open);
    } else {
      open = undefined;
    }
  }
  const gap = opts.mergeGapMs ?? EPISODE.mergeGapMs;
  const merged: RawEpisode[] = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    if (last && r.start - last.end <= gap) {
      last.end = r.end;
      last.values.push(...r.values);
      last.seconds += r.seconds;
    } else merged.push({ ...r, values: [...r.values] });
  }
  const minDuration = opts.minDurationMs ?? EPISODE.minDurationMs;
  const minSamples = opts.minSamples ?? EPISODE.minSamples;
  const long = (e: RawEpisode) => e.end - e.start >= minDuration && e.values.length >= minSamples;
  if (!opts.typicalPastEnter) return merged.filter(long);
  const out: RawEpisode[] = [];
  let strict: RawEpisode[] | undefined;
  for (const e of merged) {
    if (!long(e)) continue;
    if (past(median(e.values), opts.enter)) {
      out.push(e);
      continue;
    }
    strict ??=
      opts.exit === opts.enter ? [] : findEpisodes(intervals, value, { ...opts, exit: opts.enter });
    out.push(...strict.filter((x) => x.start >= e.start && x.end <= e.end));
  }
  return out;
}

/** Median of values (not empty). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to `dp` decimals. */
export function round(v: number, dp = 1): number {
  const f = 10 ** dp;
  return Math.round(v * f) / f;
}

/** Index of the first interval ending after `t` (intervals in time order): binary search. */
export function firstAfter(intervals: readonly DiagnosisInterval[], t: number): number {
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (intervals[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The intervals ending in (start, end]. */
export function within(
  intervals: readonly DiagnosisInterval[],
  start: number,
  end: number,
): readonly DiagnosisInterval[] {
  return intervals.slice(firstAfter(intervals, start), firstAfter(intervals, end));
}

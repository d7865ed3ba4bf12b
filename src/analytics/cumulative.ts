/**
 * The `<series>_cumulative` objects of the RealtimeKit peer report
 * (realtimekit-api.md §2.2), computed from the per-interval {@link MetricRow}s
 * of one series, plus a few additive keys.
 *
 * Definitions (all stated here and nowhere else):
 * - `<x>_or_greater_event_fraction`: share of the samples that have the value
 *   whose value is at or above the threshold. Thresholds are RealtimeKit's:
 *   loss 5/10/25/50 %, RTT 100/250/500 ms, jitter-buffer delay 100/250/500 ms.
 * - `avg`: arithmetic mean over the samples that have the value (each sample is
 *   one interval's figure, so loss avg is the mean per-interval loss %).
 * - `p50/p75/p90`: percentiles by linear interpolation between closest ranks
 *   (percentile.ts). For MOS, p90 is the 90th percentile of the scores (a high
 *   value), not "the score 90 % of the time exceeds".
 * - Video "flowing" sample: a sample without `nv` (some frames went through).
 *   `frame_per_second`, `frame_width`, lag, poor resolution and the limitation
 *   fractions are computed over flowing samples only, so a camera switched off
 *   for half the call does not halve the average fps.
 * - `issues.no_video_fraction`: samples with `nv` over all samples.
 * - `issues.lag_fraction`: flowing samples with fps < 10 or any frozen time
 *   (fz > 0), over flowing samples that have fps or fz.
 * - `issues.poor_resolution_fraction`: flowing samples whose shorter side is
 *   under 180 px (smaller than 320×180 in either orientation; width < 320 when
 *   the height is unknown), over flowing samples with a width.
 * - `issues.bandwidth_/cpu_quality_limitation_fraction`: flowing samples whose
 *   interval was mostly limited by bandwidth / CPU (`ql`, see stream-interval.ts);
 *   `quality_limitation_fraction`: limited for any reason (bandwidth, cpu, other).
 * - `high_negative_feedback_fraction`: samples whose NACK + PLI + FIR rate
 *   (`fb / d`) is at least 5 per second, over samples with `fb` and `d`. At a
 *   typical 150 packets/s that is roughly 3 % of packets NACKed, or a key-frame
 *   request every 200 ms.
 * - `key_frames_decoded_fraction` / `key_frames_encoded_fraction`: key frames
 *   over all frames, Σkf / Σfr, over samples with both.
 *
 * Additive keys: `sample_count`; `time_weighted` (the same fractions and
 * averages weighted by interval duration `d`, over samples with d > 0, plus
 * `duration_s`); `episodes` (+ `episodes_truncated`), see episodes.ts;
 * `worst_10s_mos` and `worst_10s_window`.
 *
 * Empty input gives `{}`; a group without any value is absent; nothing is NaN.
 * Cost: one pass over the rows, then a quickselect (percentile.ts) per
 * percentile group on reused scratch Float64Arrays; no per-row allocation.
 * Non-finite values in rows are ignored like absent ones.
 */
import type { QualitySeries } from '../model/telemetry.ts';
import { degradationEpisodes, timeOrder, worstWindowMos } from './episodes.ts';
import type { MetricRow } from './metric-row.ts';
import { round } from './mos-result.ts';
import { percentilesInPlace } from './percentile.ts';

export type { MetricRow } from './metric-row.ts';

const LOSS_THRESHOLDS = [5, 10, 25, 50] as const;
const DELAY_THRESHOLDS = [100, 250, 500] as const;
/** Lag: fps below this. */
export const LAG_FPS = 10;
/** Poor resolution: shorter side below this many pixels. */
export const POOR_RESOLUTION_SHORT_SIDE = 180;
/** Poor resolution when only the width is known. */
export const POOR_RESOLUTION_WIDTH = 320;
/** High negative feedback: NACK + PLI + FIR per second at or above this. */
export const HIGH_NEGATIVE_FEEDBACK_PER_S = 5;

/** Accumulator for a threshold group (up to 4 thresholds), sample- and time-weighted. */
class ThresholdAcc {
  n = 0;
  sum = 0;
  readonly over = [0, 0, 0, 0];
  w = 0;
  wSum = 0;
  readonly wOver = [0, 0, 0, 0];
  constructor(readonly thresholds: readonly number[]) {}
  reset(): void {
    this.n = this.sum = this.w = this.wSum = 0;
    this.over.fill(0);
    this.wOver.fill(0);
  }
  /** Adds one sample; `w` is its interval length in seconds, 0 when unknown. */
  add(value: number, w: number): void {
    this.n++;
    this.sum += value;
    this.w += w;
    this.wSum += w * value;
    const t = this.thresholds;
    for (let i = 0; i < t.length; i++) {
      if (value < t[i]) break; // thresholds ascend
      this.over[i]++;
      this.wOver[i] += w;
    }
  }
  output(suffix: string): Record<string, number> | undefined {
    if (this.n === 0) return undefined;
    const out: Record<string, number> = {};
    for (let i = 0; i < this.thresholds.length; i++) {
      out[`${this.thresholds[i]}${suffix}_or_greater_event_fraction`] = round(
        this.over[i] / this.n,
        4,
      );
    }
    out.avg = round(this.sum / this.n, 2);
    return out;
  }
  outputWeighted(suffix: string): Record<string, number> | undefined {
    if (!(this.w > 0)) return undefined;
    const out: Record<string, number> = {};
    for (let i = 0; i < this.thresholds.length; i++) {
      out[`${this.thresholds[i]}${suffix}_or_greater_event_fraction`] = round(
        this.wOver[i] / this.w,
        4,
      );
    }
    out.avg = round(this.wSum / this.w, 2);
    return out;
  }
}

/** Reusable scratch buffer for percentile groups; grows, never shrinks. */
class Scratch {
  buf = new Float64Array(2048);
  n = 0;
  reset(capacity: number): void {
    if (this.buf.length < capacity)
      this.buf = new Float64Array(Math.max(capacity, this.buf.length * 2));
    this.n = 0;
  }
  push(value: number): void {
    this.buf[this.n++] = value;
  }
  /** {avg, p50, p75, p90}, or undefined when empty. Partially reorders the buffer. */
  stats(dp: number): Record<string, number> | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    const buf = this.buf;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += buf[i];
    percentilesInPlace(buf, n, PERCENTILES, pOut);
    return {
      avg: round(sum / n, dp),
      p50: round(pOut[0], dp),
      p75: round(pOut[1], dp),
      p90: round(pOut[2], dp),
    };
  }
}

const PERCENTILES = [0.5, 0.75, 0.9] as const;
const pOut = [0, 0, 0];

// Module-level accumulators: cumulativeFor is synchronous and not re-entrant,
// so they are reset and reused on every call.
const lossAcc = new ThresholdAcc(LOSS_THRESHOLDS);
const rttAcc = new ThresholdAcc(DELAY_THRESHOLDS);
const jbAcc = new ThresholdAcc(DELAY_THRESHOLDS);
const mosScratch = new Scratch();
const fpsScratch = new Scratch();
const widthScratch = new Scratch();

type SeriesKind = 'audio_consumer' | 'audio_producer' | 'video_consumer' | 'video_producer';

function kindOf(series: QualitySeries): SeriesKind {
  return (
    series.startsWith('screenshare_') ? series.slice('screenshare_'.length) : series
  ) as SeriesKind;
}

/** A finite number, or undefined (absent, NaN and ±Infinity are all "no value"). */
function num(v: number | undefined): number | undefined {
  return v !== undefined && v - v === 0 ? v : undefined;
}

function isPoorResolution(w: number, h: number | undefined): boolean {
  if (h === undefined) return w < POOR_RESOLUTION_WIDTH;
  return Math.min(w, h) < POOR_RESOLUTION_SHORT_SIDE;
}

function fraction(count: number, total: number): number | undefined {
  return total > 0 ? round(count / total, 4) : undefined;
}

function putDefined(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/**
 * The `_cumulative` object of `series` from its per-interval rows
 * (screen-share series use the camera/mic shapes). `{}` for no rows.
 */
export function cumulativeFor(
  series: QualitySeries,
  rows: readonly MetricRow[],
): Record<string, unknown> {
  const n = rows.length;
  if (n === 0) return {};
  const kind = kindOf(series);
  const video = kind === 'video_consumer' || kind === 'video_producer';

  lossAcc.reset();
  rttAcc.reset();
  jbAcc.reset();
  mosScratch.reset(n);
  fpsScratch.reset(n);
  widthScratch.reset(n);

  let mosW = 0;
  let mosWSum = 0;
  let totalW = 0;
  // Video issue counters: [count, denominator] pairs, sample- and time-weighted.
  let noVideo = 0,
    noVideoW = 0;
  let flowing = 0,
    flowingW = 0;
  let lag = 0,
    lagDen = 0,
    lagW = 0,
    lagDenW = 0;
  let poor = 0,
    poorDen = 0,
    poorW = 0,
    poorDenW = 0;
  let qlB = 0,
    qlC = 0,
    qlAny = 0,
    qlBW = 0,
    qlCW = 0,
    qlAnyW = 0;
  let fbHigh = 0,
    fbDen = 0;
  let keyFrames = 0,
    frames = 0;

  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const d = num(r.d);
    const w = d !== undefined && d > 0 ? d : 0; // time weight; 0 = not weighted
    totalW += w;
    const loss = num(r.loss);
    if (loss !== undefined) lossAcc.add(loss, w);
    const rtt = num(r.rtt);
    if (rtt !== undefined) rttAcc.add(rtt, w);
    const jb = num(r.jb);
    if (jb !== undefined) jbAcc.add(jb, w);
    const mos = num(r.mos);
    if (mos !== undefined) {
      mosScratch.push(mos);
      mosW += w;
      mosWSum += w * mos;
    }
    if (!video) continue;
    if (r.nv === 1) {
      noVideo++;
      noVideoW += w;
      continue;
    }
    flowing++;
    flowingW += w;
    const fps = num(r.fps);
    const fz = num(r.fz);
    const width = num(r.w);
    if (fps !== undefined) fpsScratch.push(fps);
    if (width !== undefined) {
      widthScratch.push(width);
      const bad = isPoorResolution(width, num(r.h));
      poorDen++;
      poorDenW += w;
      if (bad) {
        poor++;
        poorW += w;
      }
    }
    if (fps !== undefined || fz !== undefined) {
      const lagging = (fps !== undefined && fps < LAG_FPS) || (fz !== undefined && fz > 0);
      lagDen++;
      lagDenW += w;
      if (lagging) {
        lag++;
        lagW += w;
      }
    }
    const ql = r.ql;
    if (ql !== undefined) {
      qlAny++;
      qlAnyW += w;
      if (ql === 'b') {
        qlB++;
        qlBW += w;
      } else if (ql === 'c') {
        qlC++;
        qlCW += w;
      }
    }
    const fb = num(r.fb);
    if (fb !== undefined && w > 0) {
      fbDen++;
      if (fb / w >= HIGH_NEGATIVE_FEEDBACK_PER_S) fbHigh++;
    }
    const kf = num(r.kf);
    const fr = num(r.fr);
    if (kf !== undefined && fr !== undefined) {
      keyFrames += kf;
      frames += fr;
    }
  }

  const out: Record<string, unknown> = {};
  const tw: Record<string, unknown> = {};
  const packetLoss = lossAcc.output('');
  const rtt = rttAcc.output('ms');
  const jb = jbAcc.output('ms');
  const mos = mosScratch.stats(2);

  // Keys in the schema's (alphabetical) order.
  if (video) {
    putDefined(out, 'frame_per_second', fpsScratch.stats(2));
    putDefined(out, 'frame_width', widthScratch.stats(1));
  }
  if (kind === 'video_producer')
    putDefined(out, 'high_negative_feedback_fraction', fraction(fbHigh, fbDen));
  if (kind === 'video_consumer') {
    const issues: Record<string, number> = {};
    putDefined(issues, 'lag_fraction', fraction(lag, lagDen));
    putDefined(issues, 'no_video_fraction', fraction(noVideo, n));
    putDefined(issues, 'poor_resolution_fraction', fraction(poor, poorDen));
    out.issues = issues;
    const twIssues: Record<string, number> = {};
    putDefined(twIssues, 'lag_fraction', fraction(lagW, lagDenW));
    putDefined(twIssues, 'no_video_fraction', fraction(noVideoW, totalW));
    putDefined(twIssues, 'poor_resolution_fraction', fraction(poorW, poorDenW));
    if (Object.keys(twIssues).length > 0) tw.issues = twIssues;
  } else if (kind === 'video_producer') {
    const issues: Record<string, number> = {};
    putDefined(issues, 'bandwidth_quality_limitation_fraction', fraction(qlB, flowing));
    putDefined(issues, 'cpu_quality_limitation_fraction', fraction(qlC, flowing));
    putDefined(issues, 'no_video_fraction', fraction(noVideo, n));
    putDefined(issues, 'poor_resolution_fraction', fraction(poor, poorDen));
    putDefined(issues, 'quality_limitation_fraction', fraction(qlAny, flowing));
    out.issues = issues;
    const twIssues: Record<string, number> = {};
    putDefined(twIssues, 'bandwidth_quality_limitation_fraction', fraction(qlBW, flowingW));
    putDefined(twIssues, 'cpu_quality_limitation_fraction', fraction(qlCW, flowingW));
    putDefined(twIssues, 'no_video_fraction', fraction(noVideoW, totalW));
    putDefined(twIssues, 'poor_resolution_fraction', fraction(poorW, poorDenW));
    putDefined(twIssues, 'quality_limitation_fraction', fraction(qlAnyW, flowingW));
    if (Object.keys(twIssues).length > 0) tw.issues = twIssues;
  }
  if (kind === 'audio_consumer' || kind === 'video_consumer') {
    putDefined(out, 'jitter_buffer_delay', jb);
    putDefined(tw, 'jitter_buffer_delay', jbAcc.outputWeighted('ms'));
  }
  if (kind === 'video_consumer')
    putDefined(out, 'key_frames_decoded_fraction', fraction(keyFrames, frames));
  if (kind === 'video_producer')
    putDefined(out, 'key_frames_encoded_fraction', fraction(keyFrames, frames));
  putDefined(out, 'packet_loss', packetLoss);
  putDefined(tw, 'packet_loss', lossAcc.outputWeighted(''));
  putDefined(out, 'quality_mos', mos);
  if (mosW > 0) tw.quality_mos = { avg: round(mosWSum / mosW, 2) };
  if (kind === 'audio_producer' || kind === 'video_producer') {
    putDefined(out, 'rtt', rtt);
    putDefined(tw, 'rtt', rttAcc.outputWeighted('ms'));
  }

  // Additive keys.
  out.sample_count = n;
  if (totalW > 0) {
    tw.duration_s = round(totalW, 3);
    out.time_weighted = tw;
  }
  const order = timeOrder(rows);
  const { episodes, truncated } = degradationEpisodes(rows, order);
  out.episodes = episodes;
  if (truncated) out.episodes_truncated = true;
  const worst = worstWindowMos(rows, order);
  if (worst !== undefined) {
    out.worst_10s_mos = worst.mos;
    out.worst_10s_window = { start: worst.start, end: worst.end };
  }
  return out;
}

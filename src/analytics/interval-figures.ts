/**
 * The figures of one interval of one RTP stream, from two consecutive cumulative samples: counter deltas, loss,
 * rates, jitter buffer, RTT, freezes, quality limitation. Pure; scoring (interval-score.ts) and the stored rows
 * (interval-rows.ts) are built from these. The rules are stream-interval.ts's (deltas only, zero baseline for a
 * first sample or after a counter reset, never a negative delta).
 */
import type { MediaType, StreamSample } from '../model/telemetry.ts';
import type { MetricRow } from './metric-row.ts';
import { clamp } from './mos-result.ts';
import { compileFieldScan } from './compile-field-scan.ts';

/** Numeric fields of a sample. */
export type NumericKey = {
  [K in keyof StreamSample]-?: StreamSample[K] extends number | undefined ? K : never;
}[keyof StreamSample];

/** Cumulative counters that never decrease while a stream keeps its counters. */
export const MONOTONIC_COUNTERS: readonly NumericKey[] = [
  'packets',
  'bytes',
  'header_bytes',
  'frames_decoded',
  'frames_encoded',
  'frames_received',
  'frames_sent',
  'frames_dropped',
  'key_frames_decoded',
  'key_frames_encoded',
  'jitter_buffer_delay_s',
  'jitter_buffer_emitted_count',
  'concealment_events',
  'concealed_samples',
  'total_samples_received',
  'nack_count',
  'pli_count',
  'fir_count',
  'freeze_count',
  'total_freezes_duration_s',
  'retransmitted_packets',
  'quality_limitation_resolution_changes',
  'retransmitted_bytes',
  'fec_packets',
  'fec_packets_discarded',
  // Diffed for the interval's RTT: backwards means the stream's counters restarted.
  'total_rtt_s',
  'rtt_measurements',
];

/** The first monotonic counter that went down from `prev` to `cur` (both numbers), or undefined. */
const firstDecreasedCounter = compileFieldScan<
  (prev: StreamSample, cur: StreamSample) => string | undefined
>(
  MONOTONIC_COUNTERS,
  (f) =>
    `{ const c = cur.${f}, p = prev.${f}; if (typeof c === 'number' && typeof p === 'number' && c < p) return '${f}'; }`,
);

/** Why `cur` cannot be diffed against `prev`, or undefined when it can. */
export function resetReason(prev: StreamSample, cur: StreamSample): string | undefined {
  if (prev.ssrc !== cur.ssrc) return 'ssrc';
  if (cur.ts < prev.ts) return 'timestamp';
  if (prev.codec !== undefined && cur.codec !== undefined && prev.codec !== cur.codec)
    return 'codec';
  const counter = firstDecreasedCounter(prev, cur);
  return counter === undefined ? undefined : `counter:${counter}`;
}

/** `value` if it is a finite number, else undefined. */
export function num(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * cur − base for a counter; zero baseline when there is no base, or when the
 * base lacks the counter: callers carry counters forward (carry-counters.ts),
 * so a base without it means the stream never reported it before, and a W3C
 * counter that appears late (Firefox 97's first outbound report has no
 * `packetsSent`) counts from 0. Undefined when `cur` lacks it.
 */
export function delta(
  current: number | undefined,
  baseValue: number | undefined,
): number | undefined {
  // Values, not (sample, key): a read `sample[key]` here would be one keyed site for every counter on every
  // sample shape, V8's slow generic lookup (see compile-field-scan.ts). Callers read `cur.x` and `base?.x`.
  const c = num(current);
  if (c === undefined) return undefined;
  const b = num(baseValue);
  return b === undefined ? c : c - b;
}

function sumDefined(...values: (number | undefined)[]): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

/** Audio or screen-share audio. */
export function isAudio(media: MediaType): boolean {
  return media === 'audio' || media === 'screenshare_audio';
}

/** Seconds per quality-limitation state. */
export type Durations = { bandwidth?: number; cpu?: number; none?: number; other?: number };
/** The quality-limitation states, in row order. */
export const LIMITATION_KEYS = ['bandwidth', 'cpu', 'none', 'other'] as const;

/** Seconds spent in each quality-limitation state during the interval (zero baseline without a base). */
function limitationDeltas(
  cur: StreamSample,
  base: StreamSample | undefined,
): Durations | undefined {
  const c = cur.quality_limitation_durations;
  if (c === undefined) return undefined;
  // A base without durations never had them (they are carried forward): zero baseline, as delta().
  const b = base?.quality_limitation_durations;
  const out: Durations = {};
  for (const key of LIMITATION_KEYS) {
    const cv = num(c[key]);
    if (cv === undefined) continue;
    const bv = b === undefined ? 0 : num(b[key]);
    if (bv === undefined) continue;
    out[key] = Math.max(0, cv - bv);
  }
  return out;
}

const REASON_CODE = { bandwidth: 'b', cpu: 'c', other: 'o' } as const;

/**
 * The interval's limitation code: the limited states (bandwidth, cpu, other)
 * must cover at least half of the time accounted in the interval, and the code
 * is the one with the most time. Without durations, the instantaneous
 * `qualityLimitationReason` of `cur` is used.
 */
function limitationCode(
  durations: Durations | undefined,
  reason: StreamSample['quality_limitation_reason'],
): MetricRow['ql'] {
  if (durations !== undefined) {
    const b = durations.bandwidth ?? 0;
    const c = durations.cpu ?? 0;
    const o = durations.other ?? 0;
    const total = b + c + o + (durations.none ?? 0);
    if (total > 0) {
      if (b + c + o < total / 2) return undefined;
      return b >= c && b >= o ? 'b' : c >= o ? 'c' : 'o';
    }
  }
  return reason === undefined || reason === 'none' ? undefined : REASON_CODE[reason];
}

/** The interval's figures; undefined where the samples do not give them. */
export interface IntervalFigures {
  audio: boolean;
  consumer: boolean;
  /** Why `cur` could not be diffed against `prev` (a counter reset), or undefined. */
  reset: string | undefined;
  /** The sample deltas are taken against: `prev` unless there was none or a reset. */
  base: StreamSample | undefined;
  /** Interval length (s), kept after a reset when time moved forward. */
  dtS: number | undefined;
  dPackets: number | undefined;
  dBytes: number | undefined;
  /** Packets lost in the interval, never negative. */
  dLost: number | undefined;
  /** Loss (%) and where it came from (`counters`, `fraction_lost`). */
  loss: number | undefined;
  lossSource: string | undefined;
  bitrate: number | undefined;
  dFrames: number | undefined;
  fps: number | undefined;
  dKeyFrames: number | undefined;
  dEmitted: number | undefined;
  /** Jitter-buffer delay per emitted sample or frame (ms). */
  jbMs: number | undefined;
  /** RTT (ms) and its source. */
  rtt: number | undefined;
  rttSource: string | undefined;
  jitter: number | undefined;
  freezeRatio: number | undefined;
  /** Producer video: seconds per limitation state, and the interval's limitation code. */
  durations: Durations | undefined;
  ql: MetricRow['ql'];
  dPli: number | undefined;
  dFir: number | undefined;
  /** NACK + PLI + FIR in the interval. */
  feedback: number | undefined;
  /** 1 when a video stream sent or received no frames (or no bytes) in the interval. */
  noVideo: 1 | undefined;
}

/**
 * A producer's loss in the interval. A producer learns its loss from the receiver's RTCP reports, which come
 * every ~1–5 s, not every sample: between two reports `packetsLost` does not move (the interval looks loss-free)
 * and when a report lands the whole report period's losses fall into one interval. The report's own
 * `fractionLost` (RFC 3550 §6.4.1: loss since the previous report) has no such aliasing, so it wins whenever the
 * browser gives it; the counters are the fallback. With no packets sent in the interval there is no loss figure.
 */
export function producerLoss(
  fractionLost: number | undefined,
  dPackets: number | undefined,
  dLost: number | undefined,
  reset: string | undefined,
): { loss?: number; source?: string } {
  const fraction = num(fractionLost);
  if (fraction !== undefined && dPackets !== 0)
    return { loss: clamp(fraction * 100, 0, 100), source: 'fraction_lost' };
  // (A third branch used to repeat the first one's condition word for word, so it could never run: issue 14.)
  if (reset === undefined && dLost !== undefined && dPackets !== undefined && dPackets > 0)
    return { loss: clamp((dLost / dPackets) * 100, 0, 100), source: 'counters' };
  return {};
}

/** The figures of the interval that ends at `cur` (`prev`: the stream's previous sample, if any). */
export function intervalFigures(
  prev: StreamSample | undefined,
  cur: StreamSample,
): IntervalFigures {
  const audio = isAudio(cur.media);
  const consumer = cur.direction === 'consumer';

  const reset = prev === undefined ? undefined : resetReason(prev, cur);
  const base = prev !== undefined && reset === undefined ? prev : undefined;
  // Interval length: kept after a reset when time moved forward (the row still
  // covers that interval), but rates need a trustworthy baseline too.
  const dtMs = prev !== undefined && cur.ts > prev.ts ? cur.ts - prev.ts : undefined;
  const dtS = dtMs === undefined ? undefined : dtMs / 1000;
  const rateDt = base !== undefined ? dtS : undefined;

  // Counters for the interval.
  const dPackets = delta(cur.packets, base?.packets);
  const dBytes = delta(cur.bytes, base?.bytes);
  const dLostRaw = delta(cur.packets_lost, base?.packets_lost);
  const dLost = dLostRaw === undefined ? undefined : Math.max(0, dLostRaw);

  // Loss percent.
  let loss: number | undefined;
  let lossSource: string | undefined;
  if (consumer) {
    // Loss of the stream's own packets: `packetsReceived` includes the retransmissions received
    // (W3C: `retransmittedPacketsReceived` is a subset of it), and with RTX those are not the stream's
    // packets — Chrome keeps counting a packet repaired over RTX in `packetsLost`, and most of its RTX
    // packets are bandwidth probes that repair nothing (measured: 1,255 of 1,556 packets of a 10 %-lossy
    // P2P video were RTX, so lost / (received + lost) read 1.9 % for 9 % lost).
    const dRtx = delta(cur.retransmitted_packets, base?.retransmitted_packets);
    const own = dPackets === undefined ? undefined : dPackets - Math.min(dRtx ?? 0, dPackets);
    if (own !== undefined && dLost !== undefined && own + dLost > 0) {
      loss = (dLost / (own + dLost)) * 100;
      lossSource = 'counters';
    }
  } else {
    const producer = producerLoss(cur.fraction_lost, dPackets, dLost, reset);
    loss = producer.loss;
    lossSource = producer.source;
  }

  // Rates.
  const bitrate =
    rateDt !== undefined && rateDt > 0 && dBytes !== undefined ? (dBytes * 8) / rateDt : undefined;
  const framesKey: NumericKey = consumer
    ? 'frames_decoded'
    : cur.frames_encoded !== undefined
      ? 'frames_encoded'
      : 'frames_sent';
  const dFrames = audio ? undefined : delta(cur[framesKey], base?.[framesKey]);
  const fps = audio
    ? undefined
    : (num(cur.frames_per_second) ??
      (rateDt !== undefined && rateDt > 0 && dFrames !== undefined ? dFrames / rateDt : undefined));
  const dKeyFrames = audio
    ? undefined
    : consumer
      ? delta(cur.key_frames_decoded, base?.key_frames_decoded)
      : delta(cur.key_frames_encoded, base?.key_frames_encoded);

  // Jitter buffer: delay per emitted sample/frame within the interval, ms.
  const dJbDelay = delta(cur.jitter_buffer_delay_s, base?.jitter_buffer_delay_s);
  const dEmitted = delta(cur.jitter_buffer_emitted_count, base?.jitter_buffer_emitted_count);
  const jbMs =
    dJbDelay !== undefined && dEmitted !== undefined && dEmitted > 0
      ? (dJbDelay / dEmitted) * 1000
      : undefined;

  // RTT: mean of the RTCP measurements of the interval when available.
  const dTotalRtt = delta(cur.total_rtt_s, base?.total_rtt_s);
  const dRttCount = delta(cur.rtt_measurements, base?.rtt_measurements);
  let rtt: number | undefined;
  let rttSource: string | undefined;
  if (dTotalRtt !== undefined && dRttCount !== undefined && dRttCount > 0 && dTotalRtt >= 0) {
    rtt = (dTotalRtt / dRttCount) * 1000;
    rttSource = 'remote-inbound-rtp (interval mean)';
  } else if (num(cur.rtt_ms) !== undefined && (cur.rtt_ms as number) >= 0) {
    rtt = cur.rtt_ms;
    rttSource = cur.rtt_source ?? 'unknown';
  }
  const jitter = num(cur.jitter_ms);

  // Freezes, limitation, negative feedback.
  const dFreeze = delta(cur.total_freezes_duration_s, base?.total_freezes_duration_s);
  const freezeRatio =
    !audio && rateDt !== undefined && rateDt > 0 && dFreeze !== undefined
      ? clamp(dFreeze / rateDt, 0, 1)
      : undefined;
  const durations = audio || consumer ? undefined : limitationDeltas(cur, base);
  const ql =
    audio || consumer ? undefined : limitationCode(durations, cur.quality_limitation_reason);
  const dNack = delta(cur.nack_count, base?.nack_count);
  const dPli = delta(cur.pli_count, base?.pli_count);
  const dFir = delta(cur.fir_count, base?.fir_count);
  const feedback = sumDefined(dNack, dPli, dFir);
  let noVideo: 1 | undefined;
  if (!audio) {
    if (dFrames !== undefined) noVideo = dFrames === 0 ? 1 : undefined;
    else if (dBytes !== undefined && dBytes === 0) noVideo = 1;
  }

  return {
    audio,
    consumer,
    reset,
    base,
    dtS,
    dPackets,
    dBytes,
    dLost,
    loss,
    lossSource,
    bitrate,
    dFrames,
    fps,
    dKeyFrames,
    dEmitted,
    jbMs,
    rtt,
    rttSource,
    jitter,
    freezeRatio,
    durations,
    ql,
    dPli,
    dFir,
    feedback,
    noVideo,
  };
}

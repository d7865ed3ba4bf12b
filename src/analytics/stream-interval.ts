/**
 * Turns two consecutive cumulative samples of one RTP stream into the figures
 * of the interval between them: the RealtimeKit per-sample row, a compact
 * {@link MetricRow} for aggregates, and an explained MOS.
 *
 * Rules (quality-scoring.md §3 #1: an early bad patch must not stick):
 * - Every figure is per interval: deltas between `prev` and `cur`, never
 *   counters since the stream started.
 * - First sample of a stream (`prev` undefined): the W3C counters start at 0
 *   when the stream starts, so count-based figures (loss %, packets, bytes,
 *   jitter-buffer delay per emitted sample, mean RTT) use a zero baseline.
 *   Figures that need a duration (bitrate, computed fps, freeze ratio) are
 *   omitted because the stream's start time is unknown.
 * - Counter reset (SSRC change, codec change — Chrome resets counters on a
 *   codec switch —, the timestamp going backwards, or any monotonic counter
 *   going down): `cur` is treated as counted from 0, exactly like a first
 *   sample, and the row says `counter_reset: true`. No delta is ever negative.
 * - `packetsLost` can decrease (duplicates): the interval's loss is clamped at 0.
 */
import type { MediaType, QualitySeries, StreamSample } from '../model/telemetry.ts';
import { audioMos } from './audio-mos.ts';
import type { MetricRow } from './metric-row.ts';
import { clamp, compactMosDetail, round, type MosResult } from './mos-result.ts';
import { videoMos } from './video-mos.ts';
import { intervalEvidence } from './interval-evidence.ts';

export type { MetricRow } from './metric-row.ts';

/** The three views of one interval of one stream. */
export interface DerivedSample {
  series: QualitySeries;
  /** RealtimeKit per-sample object (AudioConsumerStats etc.) plus `mos_detail`, `interval_s`, `loss_pct`, `bitrate_bps`, `counter_reset`. */
  row: Record<string, unknown>;
  metrics: MetricRow;
}

/** Optional knowledge the caller may have about the stream. */
export interface DeriveOptions {
  /** Frame rate the sender aims for. Default 30 for camera video, none for screen sharing. */
  expected_fps?: number;
  /** Picture size the sender aims for (see video-mos.ts). */
  expected_width?: number;
  expected_height?: number;
}

/** Exact per-sample keys of the RealtimeKit schemas (realtimekit-api.md §2.2), by series kind. */
export const ROW_SCHEMA_KEYS = {
  audio_consumer: [
    'bytes_received',
    'concealment_events',
    'consumer_id',
    'jitter',
    'jitter_buffer_delay',
    'jitter_buffer_emitted_count',
    'mid',
    'mos_quality',
    'packets_lost',
    'packets_received',
    'peer_id',
    'producer_id',
    'ssrc',
    'timestamp',
  ],
  audio_producer: [
    'bytes_sent',
    'jitter',
    'mid',
    'mos_quality',
    'packets_lost',
    'packets_sent',
    'producer_id',
    'rtt',
    'ssrc',
    'timestamp',
  ],
  video_consumer: [
    'bytes_received',
    'consumer_id',
    'fir_count',
    'frame_height',
    'frame_width',
    'frames_decoded',
    'frames_dropped',
    'frames_per_second',
    'jitter',
    'jitter_buffer_delay',
    'jitter_buffer_emitted_count',
    'key_frames_decoded',
    'mid',
    'mos_quality',
    'packets_lost',
    'packets_received',
    'peer_id',
    'producer_id',
    'ssrc',
    'timestamp',
  ],
  video_producer: [
    'bytes_sent',
    'fir_count',
    'frame_height',
    'frame_width',
    'frames_encoded',
    'frames_per_second',
    'jitter',
    'key_frames_encoded',
    'mid',
    'mos_quality',
    'packets_lost',
    'packets_sent',
    'pli_count',
    'producer_id',
    'quality_limitation_durations',
    'quality_limitation_reason',
    'quality_limitation_resolution_changes',
    'rtt',
    'ssrc',
    'timestamp',
  ],
} as const;

/** Additive keys a row may carry besides the schema keys. */
export const ROW_ADDITIVE_KEYS = [
  'mos_detail',
  'interval_s',
  'loss_pct',
  'bitrate_bps',
  'counter_reset',
  'rtt',
  'network_quality',
  'track',
] as const;

/** Default expected frame rate of camera video (rtcscore's expected-fps term). */
const CAMERA_EXPECTED_FPS = 30;

type NumericKey = {
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
  // Diffed for the interval's RTT: backwards means the stream's counters restarted.
  'total_rtt_s',
  'rtt_measurements',
];

/** Why `cur` cannot be diffed against `prev`, or undefined when it can. */
export function resetReason(prev: StreamSample, cur: StreamSample): string | undefined {
  if (prev.ssrc !== cur.ssrc) return 'ssrc';
  if (cur.ts < prev.ts) return 'timestamp';
  if (prev.codec !== undefined && cur.codec !== undefined && prev.codec !== cur.codec)
    return 'codec';
  for (const key of MONOTONIC_COUNTERS) {
    const c = cur[key];
    const p = prev[key];
    if (typeof c === 'number' && typeof p === 'number' && c < p) return `counter:${key}`;
  }
  return undefined;
}

function num(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * cur − base for a counter; zero baseline when there is no base, or when the
 * base lacks the counter: callers carry counters forward (carry-counters.ts),
 * so a base without it means the stream never reported it before, and a W3C
 * counter that appears late (Firefox 97's first outbound report has no
 * `packetsSent`) counts from 0. Undefined when `cur` lacks it.
 */
function delta(
  cur: StreamSample,
  base: StreamSample | undefined,
  key: NumericKey,
): number | undefined {
  const c = num(cur[key]);
  if (c === undefined) return undefined;
  if (base === undefined) return c;
  const b = num(base[key]);
  return b === undefined ? c : c - b;
}

function sumDefined(...values: (number | undefined)[]): number | undefined {
  let total: number | undefined;
  for (const v of values) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

function isAudio(media: MediaType): boolean {
  return media === 'audio' || media === 'screenshare_audio';
}

type Durations = { bandwidth?: number; cpu?: number; none?: number; other?: number };
const LIMITATION_KEYS = ['bandwidth', 'cpu', 'none', 'other'] as const;

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

function roundOpt(value: number | undefined, dp: number): number | undefined {
  return value === undefined ? undefined : round(value, dp);
}

/**
 * Derives the interval that ends at `cur`. `prev` is the previous sample of the
 * same stream (same pc, direction and SSRC), or undefined for the first one.
 */
export function deriveInterval(
  prev: StreamSample | undefined,
  cur: StreamSample,
  options: DeriveOptions = {},
): DerivedSample {
  const series = `${cur.media}_${cur.direction}` as QualitySeries;
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
  const dPackets = delta(cur, base, 'packets');
  const dBytes = delta(cur, base, 'bytes');
  const dLostRaw = delta(cur, base, 'packets_lost');
  const dLost = dLostRaw === undefined ? undefined : Math.max(0, dLostRaw);

  // Loss percent.
  let loss: number | undefined;
  let lossSource: string | undefined;
  if (consumer) {
    if (dPackets !== undefined && dLost !== undefined && dPackets + dLost > 0) {
      loss = (dLost / (dPackets + dLost)) * 100;
      lossSource = 'counters';
    }
  } else {
    // A producer learns its loss from the receiver's RTCP reports, which come
    // every ~1–5 s, not every sample: between two reports `packetsLost` does
    // not move (the interval looks loss-free) and when a report lands the
    // whole report period's losses fall into one interval. The report's own
    // `fractionLost` (RFC 3550 §6.4.1: loss since the previous report) has no
    // such aliasing, so it wins when the browser gives it.
    const fraction = num(cur.fraction_lost);
    const countersUsable =
      reset === undefined && dLost !== undefined && dPackets !== undefined && dPackets > 0;
    if (fraction !== undefined && dPackets !== 0) {
      loss = clamp(fraction * 100, 0, 100);
      lossSource = 'fraction_lost';
    } else if (countersUsable) {
      loss = clamp(((dLost as number) / (dPackets as number)) * 100, 0, 100);
      lossSource = 'counters';
    } else if (fraction !== undefined && dPackets !== 0) {
      loss = clamp(fraction * 100, 0, 100);
      lossSource = 'fraction_lost';
    }
  }

  // Rates.
  const bitrate =
    rateDt !== undefined && rateDt > 0 && dBytes !== undefined ? (dBytes * 8) / rateDt : undefined;
  const framesKey: NumericKey = consumer
    ? 'frames_decoded'
    : cur.frames_encoded !== undefined
      ? 'frames_encoded'
      : 'frames_sent';
  const dFrames = audio ? undefined : delta(cur, base, framesKey);
  const fps = audio
    ? undefined
    : (num(cur.frames_per_second) ??
      (rateDt !== undefined && rateDt > 0 && dFrames !== undefined ? dFrames / rateDt : undefined));
  const dKeyFrames = audio
    ? undefined
    : delta(cur, base, consumer ? 'key_frames_decoded' : 'key_frames_encoded');

  // Jitter buffer: delay per emitted sample/frame within the interval, ms.
  const dJbDelay = delta(cur, base, 'jitter_buffer_delay_s');
  const dEmitted = delta(cur, base, 'jitter_buffer_emitted_count');
  const jbMs =
    dJbDelay !== undefined && dEmitted !== undefined && dEmitted > 0
      ? (dJbDelay / dEmitted) * 1000
      : undefined;

  // RTT: mean of the RTCP measurements of the interval when available.
  const dTotalRtt = delta(cur, base, 'total_rtt_s');
  const dRttCount = delta(cur, base, 'rtt_measurements');
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
  const dFreeze = delta(cur, base, 'total_freezes_duration_s');
  const freezeRatio =
    !audio && rateDt !== undefined && rateDt > 0 && dFreeze !== undefined
      ? clamp(dFreeze / rateDt, 0, 1)
      : undefined;
  const durations = audio || consumer ? undefined : limitationDeltas(cur, base);
  const ql =
    audio || consumer ? undefined : limitationCode(durations, cur.quality_limitation_reason);
  const dNack = delta(cur, base, 'nack_count');
  const dPli = delta(cur, base, 'pli_count');
  const dFir = delta(cur, base, 'fir_count');
  const feedback = sumDefined(dNack, dPli, dFir);
  let noVideo: 1 | undefined;
  if (!audio) {
    if (dFrames !== undefined) noVideo = dFrames === 0 ? 1 : undefined;
    else if (dBytes !== undefined && dBytes === 0) noVideo = 1;
  }

  // MOS.
  let detail: MosResult;
  if (audio) {
    detail = audioMos({
      codec: cur.codec,
      clock_rate: cur.clock_rate,
      rtt_ms: rtt,
      jitter_ms: jitter,
      loss_pct: loss,
      jitter_buffer_delay_ms: jbMs,
      bitrate_bps: bitrate,
      fec: cur.fec,
      dtx: cur.dtx,
    });
  } else {
    const expectedFps =
      options.expected_fps ?? (cur.media === 'video' ? CAMERA_EXPECTED_FPS : undefined);
    detail = videoMos({
      codec: cur.codec,
      bitrate_bps: bitrate,
      frame_width: cur.frame_width,
      frame_height: cur.frame_height,
      frames_per_second: fps,
      expected_fps: expectedFps,
      expected_width: options.expected_width,
      expected_height: options.expected_height,
      loss_pct: loss,
      rtt_ms: rtt,
      freeze_ratio: freezeRatio,
      jitter_buffer_delay_ms: jbMs,
    });
  }
  if (rttSource !== undefined) detail.inputs.rtt_source = rttSource;
  if (lossSource !== undefined) detail.inputs.loss_source = lossSource;
  if (reset !== undefined) detail.inputs.counter_reset = reset;
  if (cur.track_ended === true) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason = 'no score: track ended (stopped), no media from it in this interval';
  } else if (cur.active === false) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason = 'no score: track inactive (muted or disabled) in this interval';
  } else if (audio && consumer && dPackets === 0) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason =
      'no score: no media received in the interval (sender muted, stopped or cut off, or the path is down)';
  } else if (audio && dPackets === 0) {
    delete detail.mos;
    delete detail.impairments;
    detail.reason =
      'no score: no packets in the interval (muted, paused or DTX silence), loss cannot be computed';
  }
  const mos = detail.mos;

  // RealtimeKit row, keys in schema order, then the additive keys. An
  // undefined value is an absent key: JSON.stringify leaves it out. (Object
  // literals: one shape per series, built and serialised on V8's fast paths.)
  const timestamp = Number.isFinite(cur.ts) ? new Date(cur.ts).toISOString() : undefined;
  const jitterOut = roundOpt(jitter, 3);
  const jbOut = roundOpt(jbMs, 3);
  const rttOut = roundOpt(rtt, 3);
  let row: Record<string, unknown>;
  if (audio && consumer) {
    row = {
      bytes_received: dBytes,
      concealment_events: delta(cur, base, 'concealment_events'),
      consumer_id: cur.consumer_id,
      jitter: jitterOut,
      jitter_buffer_delay: jbOut,
      jitter_buffer_emitted_count: dEmitted,
      mid: cur.mid,
      mos_quality: mos,
      packets_lost: dLost,
      packets_received: dPackets,
      peer_id: cur.remote_peer_id,
      producer_id: cur.producer_id,
      ssrc: cur.ssrc,
      timestamp,
    };
  } else if (audio) {
    row = {
      bytes_sent: dBytes,
      jitter: jitterOut,
      mid: cur.mid,
      mos_quality: mos,
      packets_lost: dLost,
      packets_sent: dPackets,
      producer_id: cur.producer_id,
      rtt: rttOut,
      ssrc: cur.ssrc,
      timestamp,
    };
  } else if (consumer) {
    row = {
      bytes_received: dBytes,
      consumer_id: cur.consumer_id,
      fir_count: dFir,
      frame_height: num(cur.frame_height),
      frame_width: num(cur.frame_width),
      frames_decoded: dFrames,
      frames_dropped: delta(cur, base, 'frames_dropped'),
      frames_per_second: roundOpt(fps, 2),
      jitter: jitterOut,
      jitter_buffer_delay: jbOut,
      jitter_buffer_emitted_count: dEmitted,
      key_frames_decoded: dKeyFrames,
      mid: cur.mid,
      mos_quality: mos,
      packets_lost: dLost,
      packets_received: dPackets,
      peer_id: cur.remote_peer_id,
      producer_id: cur.producer_id,
      ssrc: cur.ssrc,
      timestamp,
    };
  } else {
    let qld: Record<string, number> | undefined;
    if (durations !== undefined) {
      qld = {};
      for (const key of LIMITATION_KEYS)
        if (durations[key] !== undefined) qld[key] = round(durations[key] as number, 3);
    }
    row = {
      bytes_sent: dBytes,
      fir_count: dFir,
      frame_height: num(cur.frame_height),
      frame_width: num(cur.frame_width),
      frames_encoded: dFrames,
      frames_per_second: roundOpt(fps, 2),
      jitter: jitterOut,
      key_frames_encoded: dKeyFrames,
      mid: cur.mid,
      mos_quality: mos,
      packets_lost: dLost,
      packets_sent: dPackets,
      pli_count: dPli,
      producer_id: cur.producer_id,
      quality_limitation_durations: qld,
      quality_limitation_reason: cur.quality_limitation_reason,
      quality_limitation_resolution_changes: delta(
        cur,
        base,
        'quality_limitation_resolution_changes',
      ),
      rtt: rttOut,
      ssrc: cur.ssrc,
      timestamp,
    };
  }
  // Consumer schemas have no `rtt`: the connection's RTT (remote-outbound-rtp, else the selected candidate
  // pair's current RTT of this pc at this time) is added to them, so their charts and summaries have it too.
  if (consumer) row.rtt = rttOut;
  // The network's share of the score, shown before `mos_quality` (docs/quality-model.md, "Network and content").
  row.network_quality =
    mos === undefined ? undefined : audio ? mos : detail.impairments?.network_mos;
  row.interval_s = roundOpt(dtS, 3);
  row.loss_pct = roundOpt(loss, 3);
  row.bitrate_bps = bitrate === undefined ? undefined : Math.round(bitrate);
  row.mos_detail = compactMosDetail(detail, row);
  row.counter_reset = reset !== undefined ? true : undefined;
  // Diagnosis evidence (interval-evidence.ts): additive keys after the others.
  const evidence = intervalEvidence(cur, base, audio, consumer);
  Object.assign(row, evidence);

  // Compact metrics row (one shape: every key, undefined when absent).
  const metrics: MetricRow = {
    t: cur.ts,
    d: dtS === undefined ? undefined : round(dtS, 3),
    mos,
    loss: loss === undefined ? undefined : round(loss, 2),
    rtt: rtt === undefined ? undefined : round(rtt, 1),
    jit: jitter === undefined ? undefined : round(jitter, 2),
    jb: jbMs === undefined ? undefined : round(jbMs, 1),
    fps: fps === undefined ? undefined : round(fps, 1),
    w: !audio && num(cur.frame_width) !== undefined ? cur.frame_width : undefined,
    h: !audio && num(cur.frame_height) !== undefined ? cur.frame_height : undefined,
    br: bitrate === undefined ? undefined : Math.round(bitrate),
    pk: dPackets,
    pl: dLost,
    by: dBytes,
    kf: dKeyFrames,
    fr: dFrames,
    ql,
    nv: noVideo,
    fz: freezeRatio === undefined ? undefined : round(freezeRatio, 3),
    fb: feedback,
    cr: reset !== undefined ? 1 : undefined,
    nk: evidence.nack_count,
    rx: evidence.retransmitted_packets,
    rp: evidence.packets_repaired,
    fc: evidence.freeze_count,
    fd: evidence.freeze_duration_ms,
    cs: evidence.concealed_samples_pct,
    ab: evidence.available_outgoing_bitrate_kbps,
    tb: evidence.target_bitrate_kbps,
    te: evidence.track_ended === true ? 1 : undefined,
  };

  return { series, row, metrics };
}

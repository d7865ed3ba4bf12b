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
import type { QualitySeries, StreamSample } from '../model/telemetry.ts';
import type { MetricRow } from './metric-row.ts';
import { intervalFigures } from './interval-figures.ts';
import { scoreInterval } from './interval-score.ts';
import { intervalRows } from './interval-rows.ts';

export type { MetricRow } from './metric-row.ts';
export { MONOTONIC_COUNTERS, resetReason } from './interval-figures.ts';

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

/**
 * Derives the interval that ends at `cur`. `prev` is the previous sample of the
 * same stream (same pc, direction and SSRC), or undefined for the first one.
 * Three steps: the interval's figures (interval-figures.ts), its score
 * (interval-score.ts) and the stored rows (interval-rows.ts).
 */
export function deriveInterval(
  prev: StreamSample | undefined,
  cur: StreamSample,
  options: DeriveOptions = {},
): DerivedSample {
  const series = `${cur.media}_${cur.direction}` as QualitySeries;
  const figures = intervalFigures(prev, cur);
  const detail = scoreInterval(cur, figures, options);
  const { row, metrics } = intervalRows(cur, figures, detail);
  return { series, row, metrics };
}

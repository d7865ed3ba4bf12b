/**
 * The participant-level `quality_stats` object of the RealtimeKit peer report
 * (TypeScript SDK seed page, `data.participant.quality_stats`), from the
 * per-interval {@link MetricRow}s of all series of one participant.
 *
 * Definitions:
 * - `start` / `end`: ISO time of the start of the earliest interval and the end
 *   of the latest interval over all series; `null` when there are no rows.
 * - `audio_bandwidth` / `video_bandwidth`: average total bitrate in **kbit/s**
 *   of all audio (mic + screen-share audio) / video (camera + screen share)
 *   streams, sent and received together: Σ payload bytes × 8 / (end − start).
 *   Absent when the span is 0 or no byte counts are known.
 * - `average_quality`: mean MOS over every audio and video sample that has one
 *   (sample mean, all series). Absent when no sample was scored.
 * - `average_network_quality` (additive): the same mean of the network's share
 *   of each scored sample ({@link networkQualityOf}): a clean network with a
 *   small, slow camera picture reads high here and lower in `average_quality`.
 *   Per series: `network_quality_avg`.
 * - `first_/last_audio_packet_received`, `first_/last_video_packet_received`:
 *   ISO timestamp of the first / last sample of a *consumer* series that counted
 *   received packets (pk > 0).
 * - `total_audio_packets` / `total_video_packets`: packets received by the
 *   consumers plus packets sent by the producers; `total_*_packets_lost`: packets
 *   lost in both directions (consumer losses plus losses the remote receivers
 *   reported for our producers). Screen-share series count as audio / video.
 *   Packets counted lost and received later (`rp`, late or retransmitted) are
 *   subtracted per series, never below 0 (also in `audio_stats`/`video_stats`).
 * - `peer_ids`: left empty; the caller fills it.
 * - `audio_stats` / `video_stats`: one summary per series that has rows:
 *   `{series, sample_count, packets, packets_lost, loss_avg, mos_avg,
 *   bitrate_kbps, rtt_avg, jitter_avg, jitter_buffer_avg, [fps_avg, width_avg],
 *   loss_p90, rtt_p90, jitter_p90}`
 *   with averages over the samples that have the value, `*_p90` the 90th
 *   percentile of the same values (percentile.ts: a steady 210 ms RTT reads
 *   210, where the share of samples ≥ 250 ms reads 0), and `bitrate_kbps` the
 *   duration-weighted per-stream mean Σ bytes × 8 / Σ d. Units: loss in %,
 *   RTT, jitter and jitter-buffer delay in ms.
 */
import { QUALITY_SERIES, type QualitySeries } from '../model/telemetry.ts';
import { rowStart } from './episodes.ts';
import type { MetricRow } from './metric-row.ts';
import { round } from './mos-result.ts';
import { percentile } from './percentile.ts';
import { videoNetworkMos } from './video-mos.ts';

function isAudioSeries(series: QualitySeries): boolean {
  return series.startsWith('audio_') || series.startsWith('screenshare_audio_');
}

function isConsumerSeries(series: QualitySeries): boolean {
  return series.endsWith('_consumer');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Running mean helper. */
class Mean {
  n = 0;
  sum = 0;
  add(v: number | undefined): void {
    if (v === undefined || !Number.isFinite(v)) return;
    this.n++;
    this.sum += v;
  }
  value(dp: number): number | undefined {
    return this.n > 0 ? round(this.sum / this.n, dp) : undefined;
  }
}

/** A {@link Mean} that keeps its values for a percentile. */
class Distribution extends Mean {
  readonly values: number[] = [];
  override add(v: number | undefined): void {
    if (v === undefined || !Number.isFinite(v)) return;
    super.add(v);
    this.values.push(v);
  }
  p90(dp: number): number | undefined {
    const p = percentile(this.values, 0.9);
    return p === undefined ? undefined : round(p, dp);
  }
}

/**
 * The network's share of a scored interval's MOS (docs/quality-model.md, "Network and content"):
 * the audio score itself (the E-model's inputs are all network figures), the video score with its
 * coding terms at their best (video-mos.ts `videoNetworkMos`). Undefined for an unscored interval.
 */
export function networkQualityOf(r: MetricRow, video: boolean): number | undefined {
  if (r.mos === undefined) return undefined;
  if (!video) return r.mos;
  return videoNetworkMos({
    rtt_ms: r.rtt,
    jitter_buffer_delay_ms: r.jb,
    loss_pct: r.loss,
    freeze_ratio: r.fz,
  });
}

function seriesSummary(series: QualitySeries, rows: readonly MetricRow[]): Record<string, unknown> {
  const video = !isAudioSeries(series);
  let packets = 0;
  let lost = 0;
  let repaired = 0;
  let bytes = 0;
  let byteSeconds = 0;
  const loss = new Distribution();
  const mos = new Mean();
  const network = new Mean();
  const rtt = new Distribution();
  const jit = new Distribution();
  const jb = new Mean();
  const fps = new Mean();
  const width = new Mean();
  for (const r of rows) {
    if (r.pk !== undefined) packets += r.pk;
    if (r.pl !== undefined) lost += r.pl;
    if (r.rp !== undefined) repaired += r.rp;
    if (r.by !== undefined && r.d !== undefined && r.d > 0) {
      bytes += r.by;
      byteSeconds += r.d;
    }
    loss.add(r.loss);
    mos.add(r.mos);
    network.add(networkQualityOf(r, video));
    rtt.add(r.rtt);
    jit.add(r.jit);
    jb.add(r.jb);
    if (video && r.nv !== 1) {
      fps.add(r.fps);
      width.add(r.w);
    }
  }
  const out: Record<string, unknown> = {
    series,
    sample_count: rows.length,
    packets,
    packets_lost: netLost(lost, repaired),
  };
  const put = (key: string, value: number | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  put('loss_avg', loss.value(2));
  put('mos_avg', mos.value(2));
  put('network_quality_avg', network.value(2));
  put('bitrate_kbps', byteSeconds > 0 ? round((bytes * 8) / byteSeconds / 1000, 2) : undefined);
  put('rtt_avg', rtt.value(1));
  put('jitter_avg', jit.value(2));
  put('jitter_buffer_avg', jb.value(1));
  put('loss_p90', loss.p90(2));
  put('rtt_p90', rtt.p90(1));
  put('jitter_p90', jit.p90(2));
  if (video) {
    put('fps_avg', fps.value(2));
    put('width_avg', width.value(1));
  }
  return out;
}

/**
 * Packets lost net of those that arrived later (`rp`, late or retransmitted:
 * the cumulative `packetsLost` went down), never below 0.
 */
export function netLost(lost: number, repaired: number): number {
  return Math.max(0, lost - repaired);
}

/** Participant-level `quality_stats` from the rows of each series (missing series are skipped). */
export function qualitySummary(
  bySeries: Partial<Record<QualitySeries, readonly MetricRow[]>>,
): Record<string, unknown> {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  const mos = new Mean();
  const network = new Mean();
  let audioBytes = 0;
  let videoBytes = 0;
  let audioHasBytes = false;
  let videoHasBytes = false;
  let audioPackets = 0;
  let audioLost = 0;
  let videoPackets = 0;
  let videoLost = 0;
  let firstAudio = Number.POSITIVE_INFINITY;
  let lastAudio = Number.NEGATIVE_INFINITY;
  let firstVideo = Number.POSITIVE_INFINITY;
  let lastVideo = Number.NEGATIVE_INFINITY;
  const audioStats: Record<string, unknown>[] = [];
  const videoStats: Record<string, unknown>[] = [];

  for (const series of QUALITY_SERIES) {
    const rows = bySeries[series];
    if (rows === undefined || rows.length === 0) continue;
    const audio = isAudioSeries(series);
    const consumer = isConsumerSeries(series);
    let seriesLost = 0;
    let seriesRepaired = 0;
    for (const r of rows) {
      if (!Number.isFinite(r.t)) continue;
      const s = rowStart(r);
      if (s < start) start = s;
      if (r.t > end) end = r.t;
      if (r.pl !== undefined) seriesLost += r.pl;
      if (r.rp !== undefined) seriesRepaired += r.rp;
      mos.add(r.mos);
      network.add(networkQualityOf(r, !audio));
      if (audio) {
        if (r.by !== undefined) {
          audioBytes += r.by;
          audioHasBytes = true;
        }
        if (r.pk !== undefined) audioPackets += r.pk;
        if (consumer && r.pk !== undefined && r.pk > 0) {
          if (r.t < firstAudio) firstAudio = r.t;
          if (r.t > lastAudio) lastAudio = r.t;
        }
      } else {
        if (r.by !== undefined) {
          videoBytes += r.by;
          videoHasBytes = true;
        }
        if (r.pk !== undefined) videoPackets += r.pk;
        if (consumer && r.pk !== undefined && r.pk > 0) {
          if (r.t < firstVideo) firstVideo = r.t;
          if (r.t > lastVideo) lastVideo = r.t;
        }
      }
    }
    if (audio) audioLost += netLost(seriesLost, seriesRepaired);
    else videoLost += netLost(seriesLost, seriesRepaired);
    (audio ? audioStats : videoStats).push(seriesSummary(series, rows));
  }

  const hasRows = start !== Number.POSITIVE_INFINITY;
  const spanS = hasRows ? (end - start) / 1000 : 0;
  const out: Record<string, unknown> = {};
  if (audioHasBytes && spanS > 0) out.audio_bandwidth = round((audioBytes * 8) / spanS / 1000, 2);
  out.audio_stats = audioStats;
  const avg = mos.value(2);
  if (avg !== undefined) out.average_quality = avg;
  const networkAvg = network.value(2);
  if (networkAvg !== undefined) out.average_network_quality = networkAvg;
  out.end = hasRows ? iso(end) : null;
  if (firstAudio !== Number.POSITIVE_INFINITY) out.first_audio_packet_received = iso(firstAudio);
  if (firstVideo !== Number.POSITIVE_INFINITY) out.first_video_packet_received = iso(firstVideo);
  if (lastAudio !== Number.NEGATIVE_INFINITY) out.last_audio_packet_received = iso(lastAudio);
  if (lastVideo !== Number.NEGATIVE_INFINITY) out.last_video_packet_received = iso(lastVideo);
  out.peer_ids = [];
  out.start = hasRows ? iso(start) : null;
  out.total_audio_packets = audioPackets;
  out.total_audio_packets_lost = audioLost;
  out.total_video_packets = videoPackets;
  out.total_video_packets_lost = videoLost;
  if (videoHasBytes && spanS > 0) out.video_bandwidth = round((videoBytes * 8) / spanS / 1000, 2);
  out.video_stats = videoStats;
  return out;
}

/**
 * The two stored views of one interval: the RealtimeKit per-sample row (schema keys in schema order, then the
 * additive keys) and the compact {@link MetricRow} for aggregates. Their key order and rounding are what is
 * stored: tests hash derived rows, so any change here shows.
 */
import type { StreamSample } from '../model/telemetry.ts';
import type { MetricRow } from './metric-row.ts';
import { compactMosDetail, round, type MosResult } from './mos-result.ts';
import { intervalEvidence } from './interval-evidence.ts';
import { delta, LIMITATION_KEYS, num, type IntervalFigures } from './interval-figures.ts';

function roundOpt(value: number | undefined, dp: number): number | undefined {
  return value === undefined ? undefined : round(value, dp);
}

/** The interval's RealtimeKit row and metrics row. */
export function intervalRows(
  cur: StreamSample,
  figures: IntervalFigures,
  detail: MosResult,
): { row: Record<string, unknown>; metrics: MetricRow } {
  const { audio, consumer, base, reset, dtS, dPackets, dBytes, dLost, loss, bitrate } = figures;
  const { dFrames, fps, dKeyFrames, dEmitted, jbMs, rtt, jitter, freezeRatio, durations, ql } =
    figures;
  const { dPli, dFir, feedback, noVideo } = figures;
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
    pli: evidence.pli_count,
    fir: evidence.fir_count,
    rxb: evidence.retransmitted_bytes,
    fec: evidence.fec_packets_received,
    fecd: evidence.fec_packets_discarded,
  };

  return { row, metrics };
}

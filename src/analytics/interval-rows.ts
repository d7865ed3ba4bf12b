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
  const { feedback, noVideo } = figures;
  const mos = detail.mos;

  // RealtimeKit row: keys in schema order, then the additive keys (the connection's RTT on consumers, the score's
  // parts, then the diagnosis evidence of interval-evidence.ts in its order, then `track`, which the caller sets).
  // Evidence keys the schema already has (fir_count, pli_count) take the evidence's value in the schema's place.
  // An undefined value is an absent key: JSON.stringify leaves it out. Every key is in one object literal per
  // series, so a row keeps one fast shape: adding a dozen keys afterwards turned it into a dictionary, which
  // serialised ~30 % slower.
  const timestamp = Number.isFinite(cur.ts) ? new Date(cur.ts).toISOString() : undefined;
  const jitterOut = roundOpt(jitter, 3);
  const jbOut = roundOpt(jbMs, 3);
  const rttOut = roundOpt(rtt, 3);
  const networkQuality =
    mos === undefined ? undefined : audio ? mos : detail.impairments?.network_mos;
  const intervalS = roundOpt(dtS, 3);
  const lossPct = roundOpt(loss, 3);
  const bitrateBps = bitrate === undefined ? undefined : Math.round(bitrate);
  const counterReset = reset !== undefined ? true : undefined;
  const ev = intervalEvidence(cur, base, audio, consumer);
  let row: Record<string, unknown>;
  if (audio && consumer) {
    row = {
      bytes_received: dBytes,
      concealment_events: delta(cur.concealment_events, base?.concealment_events),
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
      rtt: rttOut,
      network_quality: networkQuality,
      interval_s: intervalS,
      loss_pct: lossPct,
      bitrate_bps: bitrateBps,
      mos_detail: undefined,
      counter_reset: counterReset,
      pc_id: ev.pc_id,
      remote_peer_id: ev.remote_peer_id,
      nack_count: ev.nack_count,
      pli_count: ev.pli_count,
      fir_count: ev.fir_count,
      retransmitted_packets: ev.retransmitted_packets,
      retransmitted_bytes: ev.retransmitted_bytes,
      fec_packets_received: ev.fec_packets_received,
      fec_packets_discarded: ev.fec_packets_discarded,
      freeze_count: ev.freeze_count,
      freeze_duration_ms: ev.freeze_duration_ms,
      concealed_samples_pct: ev.concealed_samples_pct,
      available_outgoing_bitrate_kbps: ev.available_outgoing_bitrate_kbps,
      target_bitrate_kbps: ev.target_bitrate_kbps,
      packets_repaired: ev.packets_repaired,
      track_ended: ev.track_ended,
      track: undefined,
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
      network_quality: networkQuality,
      interval_s: intervalS,
      loss_pct: lossPct,
      bitrate_bps: bitrateBps,
      mos_detail: undefined,
      counter_reset: counterReset,
      pc_id: ev.pc_id,
      remote_peer_id: ev.remote_peer_id,
      nack_count: ev.nack_count,
      pli_count: ev.pli_count,
      fir_count: ev.fir_count,
      retransmitted_packets: ev.retransmitted_packets,
      retransmitted_bytes: ev.retransmitted_bytes,
      fec_packets_received: ev.fec_packets_received,
      fec_packets_discarded: ev.fec_packets_discarded,
      freeze_count: ev.freeze_count,
      freeze_duration_ms: ev.freeze_duration_ms,
      concealed_samples_pct: ev.concealed_samples_pct,
      available_outgoing_bitrate_kbps: ev.available_outgoing_bitrate_kbps,
      target_bitrate_kbps: ev.target_bitrate_kbps,
      packets_repaired: ev.packets_repaired,
      track_ended: ev.track_ended,
      track: undefined,
    };
  } else if (consumer) {
    row = {
      bytes_received: dBytes,
      consumer_id: cur.consumer_id,
      fir_count: ev.fir_count,
      frame_height: num(cur.frame_height),
      frame_width: num(cur.frame_width),
      frames_decoded: dFrames,
      frames_dropped: delta(cur.frames_dropped, base?.frames_dropped),
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
      rtt: rttOut,
      network_quality: networkQuality,
      interval_s: intervalS,
      loss_pct: lossPct,
      bitrate_bps: bitrateBps,
      mos_detail: undefined,
      counter_reset: counterReset,
      pc_id: ev.pc_id,
      remote_peer_id: ev.remote_peer_id,
      nack_count: ev.nack_count,
      pli_count: ev.pli_count,
      retransmitted_packets: ev.retransmitted_packets,
      retransmitted_bytes: ev.retransmitted_bytes,
      fec_packets_received: ev.fec_packets_received,
      fec_packets_discarded: ev.fec_packets_discarded,
      freeze_count: ev.freeze_count,
      freeze_duration_ms: ev.freeze_duration_ms,
      concealed_samples_pct: ev.concealed_samples_pct,
      available_outgoing_bitrate_kbps: ev.available_outgoing_bitrate_kbps,
      target_bitrate_kbps: ev.target_bitrate_kbps,
      packets_repaired: ev.packets_repaired,
      track_ended: ev.track_ended,
      track: undefined,
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
      fir_count: ev.fir_count,
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
      pli_count: ev.pli_count,
      producer_id: cur.producer_id,
      quality_limitation_durations: qld,
      quality_limitation_reason: cur.quality_limitation_reason,
      quality_limitation_resolution_changes: delta(
        cur.quality_limitation_resolution_changes,
        base?.quality_limitation_resolution_changes,
      ),
      rtt: rttOut,
      ssrc: cur.ssrc,
      timestamp,
      network_quality: networkQuality,
      interval_s: intervalS,
      loss_pct: lossPct,
      bitrate_bps: bitrateBps,
      mos_detail: undefined,
      counter_reset: counterReset,
      pc_id: ev.pc_id,
      remote_peer_id: ev.remote_peer_id,
      nack_count: ev.nack_count,
      retransmitted_packets: ev.retransmitted_packets,
      retransmitted_bytes: ev.retransmitted_bytes,
      fec_packets_received: ev.fec_packets_received,
      fec_packets_discarded: ev.fec_packets_discarded,
      freeze_count: ev.freeze_count,
      freeze_duration_ms: ev.freeze_duration_ms,
      concealed_samples_pct: ev.concealed_samples_pct,
      available_outgoing_bitrate_kbps: ev.available_outgoing_bitrate_kbps,
      target_bitrate_kbps: ev.target_bitrate_kbps,
      packets_repaired: ev.packets_repaired,
      track_ended: ev.track_ended,
      track: undefined,
    };
  }
  // The model inputs the row already carries are named, not repeated (compactMosDetail reads the row).
  row.mos_detail = compactMosDetail(detail, row);

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
    nk: ev.nack_count,
    rx: ev.retransmitted_packets,
    rp: ev.packets_repaired,
    fc: ev.freeze_count,
    fd: ev.freeze_duration_ms,
    cs: ev.concealed_samples_pct,
    ab: ev.available_outgoing_bitrate_kbps,
    tb: ev.target_bitrate_kbps,
    te: ev.track_ended === true ? 1 : undefined,
    pli: ev.pli_count,
    fir: ev.fir_count,
    rxb: ev.retransmitted_bytes,
    fec: ev.fec_packets_received,
    fecd: ev.fec_packets_discarded,
  };

  return { row, metrics };
}

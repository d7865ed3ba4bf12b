/**
 * The diagnosis evidence of one interval of one stream, added to its report
 * row and metric row (see docs/quality-model.md, "Diagnosis evidence"): which
 * connection and remote peer the stream belongs to, how much repair went on
 * (NACK, PLI, FIR, retransmissions, FEC received and discarded), what the receiver suffered anyway
 * (freezes, concealment), what the sender's bandwidth estimate and encoder
 * target were, and packets counted lost earlier that arrived after all.
 *
 * Every counter is a delta over the interval (`base` → `cur`, zero baseline
 * when there is no usable base, exactly as the other row counters), never a
 * cumulative value. A counter going backwards is a counter reset, detected by
 * the caller (stream-interval.ts) before `base` is chosen; `packetsLost` is
 * the one exception (it may go down, see {@link repairedPackets}).
 */
import type { StreamSample } from '../model/telemetry.ts';
import { clamp, round } from './mos-result.ts';

type NumericKey = {
  [K in keyof StreamSample]-?: StreamSample[K] extends number | undefined ? K : never;
}[keyof StreamSample];

function finite(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * cur − base of a cumulative counter (zero baseline without a base); undefined when unknown or negative. Takes
 * the values (`cur.x`, `base?.x`), not a key: see interval-figures.ts `delta`.
 */
function counterDelta(
  current: number | undefined,
  baseValue: number | undefined,
  hasBase: boolean,
): number | undefined {
  const c = finite(current);
  if (c === undefined) return undefined;
  if (!hasBase) return c;
  const b = finite(baseValue);
  return b === undefined || c < b ? undefined : c - b;
}

function kbps(bitsPerSecond: number | undefined): number | undefined {
  const v = finite(bitsPerSecond);
  return v === undefined || v < 0 ? undefined : round(v / 1000, 1);
}

/**
 * Packets counted lost in earlier intervals that arrived in this one (late,
 * or recovered by a retransmission): `packetsLost` is cumulative and goes down
 * by that many. The row's `packets_lost` stays clamped at 0 (a loss is never
 * negative) and this count lets totals subtract them, so a repaired packet
 * does not stay counted lost. Undefined when the counter did not go down.
 */
export function repairedPackets(
  cur: StreamSample,
  base: StreamSample | undefined,
): number | undefined {
  if (base === undefined) return undefined;
  const c = finite(cur.packets_lost);
  const b = finite(base.packets_lost);
  return c !== undefined && b !== undefined && c < b ? b - c : undefined;
}

/** The row keys {@link intervalEvidence} adds (additive to the RealtimeKit schema keys and `ROW_ADDITIVE_KEYS`). */
export const EVIDENCE_ROW_KEYS = [
  'pc_id',
  'remote_peer_id',
  'nack_count',
  'pli_count',
  'fir_count',
  'retransmitted_packets',
  'retransmitted_bytes',
  'fec_packets_received',
  'fec_packets_discarded',
  'freeze_count',
  'freeze_duration_ms',
  'concealed_samples_pct',
  'available_outgoing_bitrate_kbps',
  'target_bitrate_kbps',
  'packets_repaired',
  'track_ended',
] as const;

/** The evidence fields of one interval. Values are undefined (absent from the row) when unknown. */
export interface IntervalEvidence {
  pc_id: string;
  remote_peer_id: string | undefined;
  nack_count: number | undefined;
  pli_count: number | undefined;
  fir_count: number | undefined;
  retransmitted_packets: number | undefined;
  retransmitted_bytes: number | undefined;
  /** Consumer only. */
  fec_packets_received: number | undefined;
  /** Consumer only: FEC packets received whose repair was not used (nothing to repair, or too late). */
  fec_packets_discarded: number | undefined;
  /** Video consumer only. */
  freeze_count: number | undefined;
  freeze_duration_ms: number | undefined;
  /** Audio consumer only: concealed samples over samples received in the interval, percent. */
  concealed_samples_pct: number | undefined;
  /** Producer only: the selected pair's `availableOutgoingBitrate` at the end of the interval, kbit/s. */
  available_outgoing_bitrate_kbps: number | undefined;
  /** Video producer only: the encoder's `targetBitrate` at the end of the interval, kbit/s. */
  target_bitrate_kbps: number | undefined;
  /** Packets counted lost before and received in this interval (see {@link repairedPackets}). */
  packets_repaired: number | undefined;
  /** True when the stream's track had ended at the end of the interval. */
  track_ended: true | undefined;
}

/** The evidence of the interval that ends at `cur`; `base` is the usable previous sample (undefined after a reset). */
export function intervalEvidence(
  cur: StreamSample,
  base: StreamSample | undefined,
  audio: boolean,
  consumer: boolean,
): IntervalEvidence {
  const hasBase = base !== undefined;
  let concealedPct: number | undefined;
  if (audio && consumer) {
    const concealed = counterDelta(cur.concealed_samples, base?.concealed_samples, hasBase);
    // Silent concealment is comfort noise played while the sender sends nothing (Opus DTX, a muted
    // or inactive speaker on an SFU): not a loss the listener hears. Chrome counts it in
    // `concealedSamples` too; a clean real SFU call conceals up to 67 % of an interval that way.
    const silent =
      counterDelta(cur.silent_concealed_samples, base?.silent_concealed_samples, hasBase) ?? 0;
    const total = counterDelta(cur.total_samples_received, base?.total_samples_received, hasBase);
    if (concealed !== undefined && total !== undefined && total > 0)
      concealedPct = round(clamp((Math.max(0, concealed - silent) / total) * 100, 0, 100), 2);
  }
  const freezeS =
    !audio && consumer
      ? counterDelta(cur.total_freezes_duration_s, base?.total_freezes_duration_s, hasBase)
      : undefined;
  // Fixed key order: the rows of one series keep one shape.
  return {
    pc_id: cur.pc,
    remote_peer_id: cur.remote_peer_id,
    nack_count: counterDelta(cur.nack_count, base?.nack_count, hasBase),
    pli_count: counterDelta(cur.pli_count, base?.pli_count, hasBase),
    fir_count: counterDelta(cur.fir_count, base?.fir_count, hasBase),
    retransmitted_packets: counterDelta(
      cur.retransmitted_packets,
      base?.retransmitted_packets,
      hasBase,
    ),
    retransmitted_bytes: counterDelta(cur.retransmitted_bytes, base?.retransmitted_bytes, hasBase),
    fec_packets_received: consumer
      ? counterDelta(cur.fec_packets, base?.fec_packets, hasBase)
      : undefined,
    fec_packets_discarded: consumer
      ? counterDelta(cur.fec_packets_discarded, base?.fec_packets_discarded, hasBase)
      : undefined,
    freeze_count:
      !audio && consumer ? counterDelta(cur.freeze_count, base?.freeze_count, hasBase) : undefined,
    freeze_duration_ms: freezeS === undefined ? undefined : Math.round(freezeS * 1000),
    concealed_samples_pct: concealedPct,
    available_outgoing_bitrate_kbps: consumer ? undefined : kbps(cur.available_outgoing_bitrate),
    target_bitrate_kbps: consumer || audio ? undefined : kbps(cur.target_bitrate),
    packets_repaired: repairedPackets(cur, base),
    track_ended: cur.track_ended === true ? true : undefined,
  };
}

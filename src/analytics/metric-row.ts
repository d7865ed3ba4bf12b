/**
 * The compact per-interval row that aggregates are computed from. It is stored
 * as JSON (one per stream per stats sample), so keys are short. Every value
 * describes the interval that ends at `t` (length `d`), never the time since
 * the stream started. A key is absent when the value is unknown.
 */
export interface MetricRow {
  /** Epoch ms at the end of the interval (the stats timestamp). */
  t: number;
  /** Interval length in seconds; absent on a stream's first sample. */
  d?: number;
  /** MOS (audio or video model) for the interval. */
  mos?: number;
  /** Packet loss, percent. */
  loss?: number;
  /** Round-trip time, ms. */
  rtt?: number;
  /** Interarrival jitter, ms. */
  jit?: number;
  /** Jitter-buffer delay per emitted sample, ms. */
  jb?: number;
  /** Frames per second. */
  fps?: number;
  /** Frame width and height, px. */
  w?: number;
  h?: number;
  /** Payload bitrate, bits/s. */
  br?: number;
  /** Packets received (consumer) or sent (producer) in the interval. */
  pk?: number;
  /** Packets lost in the interval (clamped at 0). */
  pl?: number;
  /** Payload bytes in the interval. */
  by?: number;
  /** Key frames decoded (consumer) or encoded (producer) in the interval. */
  kf?: number;
  /** Frames decoded (consumer) or encoded (producer) in the interval. */
  fr?: number;
  /** Dominant quality-limitation reason in the interval: bandwidth, cpu, other. */
  ql?: 'b' | 'c' | 'o';
  /** 1 when no video flowed in the interval. */
  nv?: 1;
  /** Share of the interval spent frozen, 0..1. */
  fz?: number;
  /** Negative feedback messages in the interval: NACK + PLI + FIR (sent by a consumer, received by a producer). */
  fb?: number;
  /** 1 when the counters were reset before this sample (deltas count from 0). */
  cr?: 1;
  /** NACKs in the interval (sent by a consumer, received by a producer). */
  nk?: number;
  /** Retransmitted packets in the interval. */
  rx?: number;
  /** Packets counted lost earlier that arrived in this interval (late or repaired); totals subtract them. */
  rp?: number;
  /** Video consumer: freezes and frozen time (ms) in the interval. */
  fc?: number;
  fd?: number;
  /** Audio consumer: concealed samples, percent of the samples received in the interval. */
  cs?: number;
  /** Producer: available outgoing bitrate of the selected pair at the end of the interval, kbit/s. */
  ab?: number;
  /** Video producer: encoder target bitrate at the end of the interval, kbit/s. */
  tb?: number;
  /** 1 when the stream's track had ended. */
  te?: 1;
  /** PLI and FIR in the interval (sent by a consumer, received by a producer); `fb` is NACK + PLI + FIR. */
  pli?: number;
  fir?: number;
  /** Retransmitted payload bytes in the interval (sent by a producer, received by a consumer). */
  rxb?: number;
  /** Consumer: FEC packets received in the interval. */
  fec?: number;
  /** Consumer: FEC packets received whose repair was not used (nothing to repair, or too late). */
  fecd?: number;
}

/**
 * Stores into a stream sample under a field name, keeping the sample in V8's fast object layout. Pure.
 *
 * Why: the normaliser adds each figure only when the browser reported it. A store under a computed key
 * (`sample[key] = value`) is one V8 counts as "keyed": past a dozen such added fields it turns the object into a
 * hash table, and every later read, validation and JSON.stringify of the sample is slower (deriving an imported
 * 3 MB dump took 111 ms instead of 67). Each setter below is a store under a fixed name, which keeps the fast
 * layout. A table, not generated code: the normaliser also runs in the browser collector, under pages'
 * Content-Security-Policy.
 */
import type { StreamSample } from '../model/telemetry.ts';

type Setters = {
  [K in keyof StreamSample]-?: (sample: StreamSample, value: NonNullable<StreamSample[K]>) => void;
};

// prettier-ignore
const SETTERS: Setters = {
  ts: (s, v) => { s.ts = v; },
  pc: (s, v) => { s.pc = v; },
  direction: (s, v) => { s.direction = v; },
  media: (s, v) => { s.media = v; },
  ssrc: (s, v) => { s.ssrc = v; },
  mid: (s, v) => { s.mid = v; },
  codec: (s, v) => { s.codec = v; },
  clock_rate: (s, v) => { s.clock_rate = v; },
  producer_id: (s, v) => { s.producer_id = v; },
  consumer_id: (s, v) => { s.consumer_id = v; },
  remote_peer_id: (s, v) => { s.remote_peer_id = v; },
  track_id: (s, v) => { s.track_id = v; },
  packets: (s, v) => { s.packets = v; },
  bytes: (s, v) => { s.bytes = v; },
  header_bytes: (s, v) => { s.header_bytes = v; },
  packets_lost: (s, v) => { s.packets_lost = v; },
  fraction_lost: (s, v) => { s.fraction_lost = v; },
  jitter_ms: (s, v) => { s.jitter_ms = v; },
  rtt_ms: (s, v) => { s.rtt_ms = v; },
  rtt_source: (s, v) => { s.rtt_source = v; },
  total_rtt_s: (s, v) => { s.total_rtt_s = v; },
  rtt_measurements: (s, v) => { s.rtt_measurements = v; },
  nack_count: (s, v) => { s.nack_count = v; },
  pli_count: (s, v) => { s.pli_count = v; },
  fir_count: (s, v) => { s.fir_count = v; },
  retransmitted_packets: (s, v) => { s.retransmitted_packets = v; },
  retransmitted_bytes: (s, v) => { s.retransmitted_bytes = v; },
  fec_packets: (s, v) => { s.fec_packets = v; },
  fec_packets_discarded: (s, v) => { s.fec_packets_discarded = v; },
  jitter_buffer_delay_s: (s, v) => { s.jitter_buffer_delay_s = v; },
  jitter_buffer_emitted_count: (s, v) => { s.jitter_buffer_emitted_count = v; },
  jitter_buffer_target_delay_s: (s, v) => { s.jitter_buffer_target_delay_s = v; },
  concealment_events: (s, v) => { s.concealment_events = v; },
  concealed_samples: (s, v) => { s.concealed_samples = v; },
  silent_concealed_samples: (s, v) => { s.silent_concealed_samples = v; },
  total_samples_received: (s, v) => { s.total_samples_received = v; },
  inserted_samples_for_deceleration: (s, v) => { s.inserted_samples_for_deceleration = v; },
  removed_samples_for_acceleration: (s, v) => { s.removed_samples_for_acceleration = v; },
  audio_level: (s, v) => { s.audio_level = v; },
  total_audio_energy: (s, v) => { s.total_audio_energy = v; },
  dtx: (s, v) => { s.dtx = v; },
  fec: (s, v) => { s.fec = v; },
  frame_width: (s, v) => { s.frame_width = v; },
  frame_height: (s, v) => { s.frame_height = v; },
  frames_per_second: (s, v) => { s.frames_per_second = v; },
  frames_encoded: (s, v) => { s.frames_encoded = v; },
  frames_decoded: (s, v) => { s.frames_decoded = v; },
  frames_dropped: (s, v) => { s.frames_dropped = v; },
  frames_received: (s, v) => { s.frames_received = v; },
  frames_sent: (s, v) => { s.frames_sent = v; },
  key_frames_encoded: (s, v) => { s.key_frames_encoded = v; },
  key_frames_decoded: (s, v) => { s.key_frames_decoded = v; },
  freeze_count: (s, v) => { s.freeze_count = v; },
  total_freezes_duration_s: (s, v) => { s.total_freezes_duration_s = v; },
  pause_count: (s, v) => { s.pause_count = v; },
  total_pauses_duration_s: (s, v) => { s.total_pauses_duration_s = v; },
  total_encode_time_s: (s, v) => { s.total_encode_time_s = v; },
  total_decode_time_s: (s, v) => { s.total_decode_time_s = v; },
  qp_sum: (s, v) => { s.qp_sum = v; },
  quality_limitation_reason: (s, v) => { s.quality_limitation_reason = v; },
  quality_limitation_durations: (s, v) => { s.quality_limitation_durations = v; },
  quality_limitation_resolution_changes: (s, v) => { s.quality_limitation_resolution_changes = v; },
  target_bitrate: (s, v) => { s.target_bitrate = v; },
  rid: (s, v) => { s.rid = v; },
  scalability_mode: (s, v) => { s.scalability_mode = v; },
  encoder_implementation: (s, v) => { s.encoder_implementation = v; },
  decoder_implementation: (s, v) => { s.decoder_implementation = v; },
  active: (s, v) => { s.active = v; },
  available_outgoing_bitrate: (s, v) => { s.available_outgoing_bitrate = v; },
  track_ended: (s, v) => { s.track_ended = v; },
};

/** Sets `sample[key]` to `value` when it is defined (the contract never stores `undefined` or fake zeros). */
export function setSampleField<K extends keyof StreamSample>(
  sample: StreamSample,
  key: K,
  value: StreamSample[K] | undefined,
): void {
  if (value !== undefined)
    (SETTERS[key] as (sample: StreamSample, value: StreamSample[K]) => void)(sample, value);
}

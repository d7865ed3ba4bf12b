/**
 * The ingest wire format, defined once: these zod schemas validate it (and the
 * build turns the batch schema into the Ajv validator, scripts/build-validators.mjs),
 * and `src/model/telemetry.ts` derives its TypeScript types from them
 * (`z.infer`). Unknown keys are dropped; a wrong type or an out-of-range value
 * is a 400 naming the field path (e.g. `samples[3].ts`).
 */
import { z } from 'zod';
import { MAX_COUNTER, fieldMax } from './physical-bounds.ts';

const MAX_TS = 4102444800000; // 2100-01-01: anything later is a unit mistake (µs or ns).
const MIN_TS = 946684800000; // 2000-01-01: anything earlier is a unit mistake (s) or a zero clock.

const ts = z.number().int().min(MIN_TS).max(MAX_TS);
const count = z.number().finite().min(-MAX_COUNTER).max(MAX_COUNTER);
const nonNeg = z.number().finite().min(0).max(MAX_COUNTER);
/** A non-negative figure with its own physical bound (see physical-bounds.ts). */
const bounded = (key: string) => z.number().finite().min(0).max(fieldMax(key));
const shortText = z.string().max(256);
const id = z.string().min(1).max(128);

const media = z.enum(['audio', 'video', 'screenshare_audio', 'screenshare_video']);

/**
 * One RTP stream at one instant: cumulative counters merged from the
 * `outbound-rtp` + `remote-inbound-rtp` + `media-source` stats (producer) or
 * `inbound-rtp` + `remote-outbound-rtp` stats (consumer), plus the RTT of the
 * selected candidate pair as a fallback.
 */
export const streamSampleSchema = z.object({
  /** Epoch ms of the stats report. */
  ts,
  /** Client-chosen id of the RTCPeerConnection this stream belongs to. */
  pc: id,
  direction: z.enum(['producer', 'consumer']),
  media,
  ssrc: z.number().int().min(0).max(4294967295),
  mid: shortText.optional(),
  /** Codec mime type, e.g. `audio/opus`, `video/VP8`. */
  codec: shortText.optional(),
  /** Codec clock rate in Hz. */
  clock_rate: bounded('clock_rate').optional(),
  /** App-level ids (RealtimeKit producer/consumer ids, remote peer id), when the app knows them. */
  producer_id: shortText.optional(),
  consumer_id: shortText.optional(),
  remote_peer_id: shortText.optional(),
  track_id: shortText.optional(),
  /** `packetsSent` (producer) or `packetsReceived` (consumer). */
  packets: nonNeg.optional(),
  /** `bytesSent` (producer) or `bytesReceived` (consumer). Payload bytes. */
  bytes: nonNeg.optional(),
  /** `headerBytesSent` / `headerBytesReceived`. */
  header_bytes: nonNeg.optional(),
  /** Consumer: `inbound-rtp.packetsLost`; producer: `remote-inbound-rtp.packetsLost`. May be negative (duplicates). */
  packets_lost: count.optional(),
  /** Producer only: `remote-inbound-rtp.fractionLost` (0..1, as last reported by the receiver's RTCP RR). */
  fraction_lost: z.number().min(0).max(1).optional(),
  /** Consumer: `inbound-rtp.jitter`; producer: `remote-inbound-rtp.jitter`; in milliseconds. */
  jitter_ms: bounded('jitter_ms').optional(),
  /** Latest round-trip time in milliseconds, with its source. */
  rtt_ms: bounded('rtt_ms').optional(),
  rtt_source: z.enum(['remote-inbound-rtp', 'remote-outbound-rtp', 'candidate-pair']).optional(),
  /** `remote-inbound-rtp.totalRoundTripTime` (s) and `roundTripTimeMeasurements`, for per-interval RTT. */
  total_rtt_s: nonNeg.optional(),
  rtt_measurements: nonNeg.optional(),
  nack_count: nonNeg.optional(),
  pli_count: nonNeg.optional(),
  fir_count: nonNeg.optional(),
  retransmitted_packets: nonNeg.optional(),
  /** `retransmittedBytesSent` (producer) or `retransmittedBytesReceived` (consumer), cumulative. */
  retransmitted_bytes: nonNeg.optional(),
  fec_packets: nonNeg.optional(),
  /** Consumer: `inbound-rtp.fecPacketsDiscarded` (FEC packets received but not used: a subset of `fec_packets`), cumulative. */
  fec_packets_discarded: nonNeg.optional(),
  /** Consumer: `jitterBufferDelay` (s, cumulative) and `jitterBufferEmittedCount`. */
  jitter_buffer_delay_s: nonNeg.optional(),
  jitter_buffer_emitted_count: nonNeg.optional(),
  jitter_buffer_target_delay_s: nonNeg.optional(),
  /** Audio consumer: concealment counters. */
  concealment_events: nonNeg.optional(),
  concealed_samples: nonNeg.optional(),
  silent_concealed_samples: nonNeg.optional(),
  total_samples_received: nonNeg.optional(),
  inserted_samples_for_deceleration: nonNeg.optional(),
  removed_samples_for_acceleration: nonNeg.optional(),
  /** Audio: level 0..1 (`audioLevel`) and cumulative `totalAudioEnergy`. */
  audio_level: bounded('audio_level').optional(),
  total_audio_energy: nonNeg.optional(),
  /** Audio producer: DTX / VAD hint from the app or codec parameters. */
  dtx: z.boolean().optional(),
  /** Audio: in-band FEC negotiated (Opus `useinbandfec=1`). */
  fec: z.boolean().optional(),
  /** Video. */
  frame_width: bounded('frame_width').optional(),
  frame_height: bounded('frame_height').optional(),
  frames_per_second: bounded('frames_per_second').optional(),
  frames_encoded: nonNeg.optional(),
  frames_decoded: nonNeg.optional(),
  frames_dropped: nonNeg.optional(),
  frames_received: nonNeg.optional(),
  frames_sent: nonNeg.optional(),
  key_frames_encoded: nonNeg.optional(),
  key_frames_decoded: nonNeg.optional(),
  freeze_count: nonNeg.optional(),
  total_freezes_duration_s: nonNeg.optional(),
  pause_count: nonNeg.optional(),
  total_pauses_duration_s: nonNeg.optional(),
  total_encode_time_s: nonNeg.optional(),
  total_decode_time_s: nonNeg.optional(),
  qp_sum: nonNeg.optional(),
  quality_limitation_reason: z.enum(['cpu', 'bandwidth', 'none', 'other']).optional(),
  /** Seconds spent in each limitation state, cumulative. */
  quality_limitation_durations: z
    .object({
      bandwidth: nonNeg.optional(),
      cpu: nonNeg.optional(),
      none: nonNeg.optional(),
      other: nonNeg.optional(),
    })
    .optional(),
  quality_limitation_resolution_changes: nonNeg.optional(),
  /** Producer: `targetBitrate` in bits/s. */
  target_bitrate: nonNeg.optional(),
  /** Simulcast layer id (`rid`), when several encodings share a producer. */
  rid: shortText.optional(),
  scalability_mode: shortText.optional(),
  encoder_implementation: shortText.optional(),
  decoder_implementation: shortText.optional(),
  /** Whether the track is active/enabled at this instant (muted tracks send no media). */
  active: z.boolean().optional(),
  /** Producer: `availableOutgoingBitrate` (bits/s) of the selected candidate pair of the stream's transport at this instant. */
  available_outgoing_bitrate: nonNeg.optional(),
  /** True when the stream's track has ended (`readyState === 'ended'`, e.g. after `track.stop()`). */
  track_ended: z.boolean().optional(),
});

/** One ICE candidate, as in an `RTCIceCandidateStats`. */
export const candidateSchema = z.object({
  id: shortText.optional(),
  address: shortText.optional(),
  port: z.number().int().min(0).max(65535).optional(),
  protocol: shortText.optional(),
  /** `host`, `srflx`, `prflx` or `relay`. */
  candidate_type: shortText.optional(),
  network_type: shortText.optional(),
  relay_protocol: shortText.optional(),
  /** True when `relay_protocol` was not reported (Safari) but read from the TURN `url` (src/normalize/relay-protocol.ts). */
  relay_protocol_inferred: z.boolean().optional(),
  url: z.string().max(1024).optional(),
  related_address: shortText.optional(),
  related_port: z.number().int().min(0).max(65535).optional(),
});

/** One candidate pair at one instant. */
export const candidatePairSchema = z.object({
  ts,
  pc: id,
  id,
  state: shortText.optional(),
  nominated: z.boolean().optional(),
  /** True when this pair is the transport's selected pair. */
  selected: z.boolean().optional(),
  local: candidateSchema.optional(),
  remote: candidateSchema.optional(),
  bytes_sent: nonNeg.optional(),
  bytes_received: nonNeg.optional(),
  packets_sent: nonNeg.optional(),
  packets_received: nonNeg.optional(),
  bytes_discarded_on_send: nonNeg.optional(),
  packets_discarded_on_send: nonNeg.optional(),
  current_rtt_ms: bounded('current_rtt_ms').optional(),
  total_rtt_s: nonNeg.optional(),
  responses_received: nonNeg.optional(),
  available_outgoing_bitrate: nonNeg.optional(),
  available_incoming_bitrate: nonNeg.optional(),
  /** Epoch ms. */
  last_packet_sent_timestamp: nonNeg.optional(),
  last_packet_received_timestamp: nonNeg.optional(),
});

const scalar = z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]);

/** A timestamped event (connection state change, device change, mute, reconnect...). */
export const eventSchema = z.object({
  ts,
  /** Machine name, e.g. `connection_state_change`, `ice_connection_state_change`, `mute`, `device_change`, `ice_restart`. */
  name: z.string().min(1).max(64),
  pc: id.optional(),
  metadata: z.record(z.string().max(64), scalar).optional(),
});

/** A media device as seen by `enumerateDevices()`. */
export const deviceSchema = z.object({
  device_id: shortText.optional(),
  kind: shortText.optional(),
  label: shortText.optional(),
  group_id: shortText.optional(),
});

/** A change in the device list of one kind (`audioinput`, `videoinput`, `audiooutput`). */
export const deviceUpdateSchema = z.object({
  ts,
  kind: z.enum(['audioinput', 'videoinput', 'audiooutput']),
  added: z.array(deviceSchema).max(64),
  removed: z.array(deviceSchema).max(64),
});

/** The app selected a device. */
export const selectedDeviceSchema = z.object({ ts, device: deviceSchema });

/** Per-peer-connection metadata (connectivity and network type), one per PC (or per ICE restart). */
export const pcMetadataSchema = z.object({
  ts,
  pc: id,
  effective_network_type: shortText.optional(),
  reflexive_connectivity: z.boolean().optional(),
  relay_connectivity: z.boolean().optional(),
  turn_connectivity: z.boolean().optional(),
  /** Where this PC goes: `sfu` or `p2p`, when the app knows. */
  role: shortText.optional(),
  /** The remote peer at the other end of this PC (P2P), when the app knows. */
  remote_peer_id: shortText.optional(),
  /** ICE servers configured (URLs only; credentials are never sent). */
  ice_servers: z.array(z.string().max(1024)).max(32).optional(),
  ice_transport_policy: shortText.optional(),
  sdp: z.array(z.string().max(65536)).max(8).optional(),
});

/** Result of a precall network test. */
export const precallSchema = z.object({
  ts,
  backend_rtt_ms: bounded('backend_rtt_ms').optional(),
  rtt_ms: bounded('rtt_ms').optional(),
  jitter_ms: bounded('jitter_ms').optional(),
  /** kbit/s. */
  throughput_kbps: nonNeg.optional(),
  /** 0..1. */
  fractional_loss: z.number().min(0).max(1).optional(),
  effective_network_type: shortText.optional(),
  host_connectivity: z.boolean().optional(),
  reflexive_connectivity: z.boolean().optional(),
  relay_connectivity: z.boolean().optional(),
  turn_connectivity: z.boolean().optional(),
});

const brandList = z.array(z.object({ brand: shortText, version: shortText })).max(16);

/** Client hints (`navigator.userAgentData.getHighEntropyValues`). */
export const clientHintsSchema = z.object({
  brands: brandList.optional(),
  full_version_list: brandList.optional(),
  mobile: z.boolean().optional(),
  platform: shortText.optional(),
  platform_version: shortText.optional(),
  architecture: shortText.optional(),
  model: shortText.optional(),
});

/** Who the client is: sent once at join, and again when it changes. */
export const clientInfoSchema = z.object({
  user_agent: z.string().max(1024).optional(),
  client_hints: clientHintsSchema.optional(),
  cpus: z.number().int().min(0).max(4096).optional(),
  memory_gb: bounded('memory_gb').optional(),
  is_mobile: z.boolean().optional(),
  webgl_support: z.boolean().nullable().optional(),
  sdk_name: shortText.optional(),
  sdk_version: shortText.optional(),
  sdk_type: shortText.optional(),
  room_view_type: shortText.optional(),
  native_audio_encoder: shortText.optional(),
  native_video_encoder: shortText.optional(),
});

/** Body of the join call that creates a peer. */
export const joinRequestSchema = z.object({
  client: clientInfoSchema.optional(),
  precall: precallSchema.optional(),
  /** Client clock (epoch ms) at join. */
  joined_at: ts.optional(),
  /**
   * The peer this client was before the server closed it (rejoin after a
   * network cut). Its streams' last counters become the new peer's baseline,
   * so a connection that lives on is not counted from zero twice.
   */
  previous_peer_id: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a UUID')
    .optional(),
});

/**
 * One upload from a client. `batch_id` makes retries idempotent: a batch
 * whose id was already stored for this peer is acknowledged and ignored.
 */
export const telemetryBatchSchema = z.object({
  batch_id: z.string().min(8).max(64),
  /** Client clock at send time (epoch ms), to estimate skew. */
  sent_at: ts.optional(),
  client: clientInfoSchema.optional(),
  samples: z.array(streamSampleSchema).max(20000).optional(),
  candidate_pairs: z.array(candidatePairSchema).max(2000).optional(),
  events: z.array(eventSchema).max(2000).optional(),
  device_updates: z.array(deviceUpdateSchema).max(256).optional(),
  selected_devices: z.array(selectedDeviceSchema).max(256).optional(),
  pc_metadata: z.array(pcMetadataSchema).max(256).optional(),
  precall: precallSchema.optional(),
});

/** Body of `POST /ingest/v1/peers/{peer_id}/leave`. */
export const leaveRequestSchema = z.object({
  reason: z.string().max(256).optional(),
  ts: ts.optional(),
});

/** Formats the first zod issue as `path: message`. */
export function describeZodError(
  error: z.ZodError,
  root = 'body',
): { field: string; message: string } {
  const issue = error.issues[0];
  const field = [
    root,
    ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)),
  ]
    .join('')
    .replace(/^body\./, '')
    .replace(/^body\[/, '[');
  return { field: field === 'body' ? 'body' : field, message: issue.message };
}

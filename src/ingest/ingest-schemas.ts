/**
 * Validation of the ingest wire format (see `src/model/telemetry.ts`). Unknown
 * keys are dropped; a wrong type or an out-of-range value is a 400 naming the
 * field path (e.g. `samples[3].ts`).
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

/** One normalised stream sample. */
export const streamSampleSchema = z.object({
  ts,
  pc: id,
  direction: z.enum(['producer', 'consumer']),
  media,
  ssrc: z.number().int().min(0).max(4294967295),
  mid: shortText.optional(),
  codec: shortText.optional(),
  clock_rate: bounded('clock_rate').optional(),
  producer_id: shortText.optional(),
  consumer_id: shortText.optional(),
  remote_peer_id: shortText.optional(),
  track_id: shortText.optional(),
  packets: nonNeg.optional(),
  bytes: nonNeg.optional(),
  header_bytes: nonNeg.optional(),
  packets_lost: count.optional(),
  fraction_lost: z.number().min(0).max(1).optional(),
  jitter_ms: bounded('jitter_ms').optional(),
  rtt_ms: bounded('rtt_ms').optional(),
  rtt_source: z.enum(['remote-inbound-rtp', 'remote-outbound-rtp', 'candidate-pair']).optional(),
  total_rtt_s: nonNeg.optional(),
  rtt_measurements: nonNeg.optional(),
  nack_count: nonNeg.optional(),
  pli_count: nonNeg.optional(),
  fir_count: nonNeg.optional(),
  retransmitted_packets: nonNeg.optional(),
  retransmitted_bytes: nonNeg.optional(),
  fec_packets: nonNeg.optional(),
  jitter_buffer_delay_s: nonNeg.optional(),
  jitter_buffer_emitted_count: nonNeg.optional(),
  jitter_buffer_target_delay_s: nonNeg.optional(),
  concealment_events: nonNeg.optional(),
  concealed_samples: nonNeg.optional(),
  silent_concealed_samples: nonNeg.optional(),
  total_samples_received: nonNeg.optional(),
  inserted_samples_for_deceleration: nonNeg.optional(),
  removed_samples_for_acceleration: nonNeg.optional(),
  audio_level: bounded('audio_level').optional(),
  total_audio_energy: nonNeg.optional(),
  dtx: z.boolean().optional(),
  fec: z.boolean().optional(),
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
  quality_limitation_durations: z
    .object({
      bandwidth: nonNeg.optional(),
      cpu: nonNeg.optional(),
      none: nonNeg.optional(),
      other: nonNeg.optional(),
    })
    .optional(),
  quality_limitation_resolution_changes: nonNeg.optional(),
  target_bitrate: nonNeg.optional(),
  rid: shortText.optional(),
  scalability_mode: shortText.optional(),
  encoder_implementation: shortText.optional(),
  decoder_implementation: shortText.optional(),
  active: z.boolean().optional(),
  available_outgoing_bitrate: nonNeg.optional(),
  track_ended: z.boolean().optional(),
});

const candidateSchema = z.object({
  id: shortText.optional(),
  address: shortText.optional(),
  port: z.number().int().min(0).max(65535).optional(),
  protocol: shortText.optional(),
  candidate_type: shortText.optional(),
  network_type: shortText.optional(),
  relay_protocol: shortText.optional(),
  relay_protocol_inferred: z.boolean().optional(),
  url: z.string().max(1024).optional(),
  related_address: shortText.optional(),
  related_port: z.number().int().min(0).max(65535).optional(),
});

const candidatePairSchema = z.object({
  ts,
  pc: id,
  id,
  state: shortText.optional(),
  nominated: z.boolean().optional(),
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
  last_packet_sent_timestamp: nonNeg.optional(),
  last_packet_received_timestamp: nonNeg.optional(),
});

const scalar = z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]);

const eventSchema = z.object({
  ts,
  name: z.string().min(1).max(64),
  pc: id.optional(),
  metadata: z.record(z.string().max(64), scalar).optional(),
});

const deviceSchema = z.object({
  device_id: shortText.optional(),
  kind: shortText.optional(),
  label: shortText.optional(),
  group_id: shortText.optional(),
});

const deviceUpdateSchema = z.object({
  ts,
  kind: z.enum(['audioinput', 'videoinput', 'audiooutput']),
  added: z.array(deviceSchema).max(64),
  removed: z.array(deviceSchema).max(64),
});

const selectedDeviceSchema = z.object({ ts, device: deviceSchema });

const pcMetadataSchema = z.object({
  ts,
  pc: id,
  effective_network_type: shortText.optional(),
  reflexive_connectivity: z.boolean().optional(),
  relay_connectivity: z.boolean().optional(),
  turn_connectivity: z.boolean().optional(),
  role: shortText.optional(),
  remote_peer_id: shortText.optional(),
  ice_servers: z.array(z.string().max(1024)).max(32).optional(),
  ice_transport_policy: shortText.optional(),
  sdp: z.array(z.string().max(65536)).max(8).optional(),
});

/** Precall network test result. */
export const precallSchema = z.object({
  ts,
  backend_rtt_ms: bounded('backend_rtt_ms').optional(),
  rtt_ms: bounded('rtt_ms').optional(),
  jitter_ms: bounded('jitter_ms').optional(),
  throughput_kbps: nonNeg.optional(),
  fractional_loss: z.number().min(0).max(1).optional(),
  effective_network_type: shortText.optional(),
  host_connectivity: z.boolean().optional(),
  reflexive_connectivity: z.boolean().optional(),
  relay_connectivity: z.boolean().optional(),
  turn_connectivity: z.boolean().optional(),
});

const brandList = z.array(z.object({ brand: shortText, version: shortText })).max(16);

/** Client description. */
export const clientInfoSchema = z.object({
  user_agent: z.string().max(1024).optional(),
  client_hints: z
    .object({
      brands: brandList.optional(),
      full_version_list: brandList.optional(),
      mobile: z.boolean().optional(),
      platform: shortText.optional(),
      platform_version: shortText.optional(),
      architecture: shortText.optional(),
      model: shortText.optional(),
    })
    .optional(),
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

/** Body of `POST /ingest/v1/join`. */
export const joinRequestSchema = z.object({
  client: clientInfoSchema.optional(),
  precall: precallSchema.optional(),
  joined_at: ts.optional(),
  previous_peer_id: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a UUID')
    .optional(),
});

/** Body of `POST /ingest/v1/peers/{peer_id}/batches`. */
export const telemetryBatchSchema = z.object({
  batch_id: z.string().min(8).max(64),
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

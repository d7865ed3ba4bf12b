/**
 * The normalised telemetry contract.
 *
 * Every source of telemetry (the browser collector, the dump importer, the
 * `simulate` generator) produces these shapes, and the server ingests only
 * these shapes. The normaliser in `src/normalize/` turns a raw W3C
 * `getStats()` report into them; analytics in `src/analytics/` turn them into
 * quality figures. Keep this file free of I/O and of runtime dependencies: the
 * collector bundle imports it.
 *
 * Conventions:
 * - Timestamps are epoch milliseconds (`ts`).
 * - Counters are cumulative, exactly as `getStats()` reports them (the server
 *   computes per-interval deltas, so a lost or retried batch never skews a
 *   figure).
 * - Units follow W3C webrtc-stats unless the field name carries a unit suffix:
 *   `_ms` is milliseconds, `_s` is seconds.
 * - A field that the source did not report is absent, never 0.
 */

/** The four media categories of a RealtimeKit peer report. */
export type MediaType = 'audio' | 'video' | 'screenshare_audio' | 'screenshare_video';

/** Producer = what this peer sends; consumer = what it receives. */
export type StreamDirection = 'producer' | 'consumer';

/** One of the eight per-stream series of the peer report (e.g. `audio_producer`). */
export type QualitySeries = `${MediaType}_${StreamDirection}`;

/** All eight series, in report order. */
export const QUALITY_SERIES: readonly QualitySeries[] = [
  'audio_consumer',
  'audio_producer',
  'video_consumer',
  'video_producer',
  'screenshare_audio_consumer',
  'screenshare_audio_producer',
  'screenshare_video_consumer',
  'screenshare_video_producer',
];

/** Where an RTT value was taken from, most trusted first. */
export type RttSource = 'remote-inbound-rtp' | 'remote-outbound-rtp' | 'candidate-pair';

/**
 * One RTP stream at one instant: cumulative counters merged from the
 * `outbound-rtp` + `remote-inbound-rtp` + `media-source` stats (producer) or
 * `inbound-rtp` + `remote-outbound-rtp` stats (consumer), plus the RTT of the
 * selected candidate pair as a fallback.
 */
export interface StreamSample {
  /** Epoch ms of the stats report. */
  ts: number;
  /** Client-chosen id of the RTCPeerConnection this stream belongs to. */
  pc: string;
  direction: StreamDirection;
  media: MediaType;
  ssrc: number;
  mid?: string;
  /** Codec mime type, e.g. `audio/opus`, `video/VP8`. */
  codec?: string;
  /** Codec clock rate in Hz. */
  clock_rate?: number;
  /** App-level ids (RealtimeKit producer/consumer ids, remote peer id), when the app knows them. */
  producer_id?: string;
  consumer_id?: string;
  remote_peer_id?: string;
  track_id?: string;

  /** `packetsSent` (producer) or `packetsReceived` (consumer). */
  packets?: number;
  /** `bytesSent` (producer) or `bytesReceived` (consumer). Payload bytes. */
  bytes?: number;
  /** `headerBytesSent` / `headerBytesReceived`. */
  header_bytes?: number;
  /** Consumer: `inbound-rtp.packetsLost`; producer: `remote-inbound-rtp.packetsLost`. May be negative (duplicates). */
  packets_lost?: number;
  /** Producer only: `remote-inbound-rtp.fractionLost` (0..1, as last reported by the receiver's RTCP RR). */
  fraction_lost?: number;
  /** Consumer: `inbound-rtp.jitter`; producer: `remote-inbound-rtp.jitter`; in milliseconds. */
  jitter_ms?: number;
  /** Latest round-trip time in milliseconds, with its source. */
  rtt_ms?: number;
  rtt_source?: RttSource;
  /** `remote-inbound-rtp.totalRoundTripTime` (s) and `roundTripTimeMeasurements`, for per-interval RTT. */
  total_rtt_s?: number;
  rtt_measurements?: number;
  nack_count?: number;
  pli_count?: number;
  fir_count?: number;
  retransmitted_packets?: number;
  /** `retransmittedBytesSent` (producer) or `retransmittedBytesReceived` (consumer), cumulative. */
  retransmitted_bytes?: number;
  fec_packets?: number;

  /** Consumer: `jitterBufferDelay` (s, cumulative) and `jitterBufferEmittedCount`. */
  jitter_buffer_delay_s?: number;
  jitter_buffer_emitted_count?: number;
  jitter_buffer_target_delay_s?: number;

  /** Audio consumer: concealment counters. */
  concealment_events?: number;
  concealed_samples?: number;
  silent_concealed_samples?: number;
  total_samples_received?: number;
  inserted_samples_for_deceleration?: number;
  removed_samples_for_acceleration?: number;
  /** Audio: level 0..1 (`audioLevel`) and cumulative `totalAudioEnergy`. */
  audio_level?: number;
  total_audio_energy?: number;
  /** Audio producer: DTX / VAD hint from the app or codec parameters. */
  dtx?: boolean;
  /** Audio: in-band FEC negotiated (Opus `useinbandfec=1`). */
  fec?: boolean;

  /** Video. */
  frame_width?: number;
  frame_height?: number;
  frames_per_second?: number;
  frames_encoded?: number;
  frames_decoded?: number;
  frames_dropped?: number;
  frames_received?: number;
  frames_sent?: number;
  key_frames_encoded?: number;
  key_frames_decoded?: number;
  freeze_count?: number;
  total_freezes_duration_s?: number;
  pause_count?: number;
  total_pauses_duration_s?: number;
  total_encode_time_s?: number;
  total_decode_time_s?: number;
  qp_sum?: number;
  quality_limitation_reason?: 'cpu' | 'bandwidth' | 'none' | 'other';
  /** Seconds spent in each limitation state, cumulative. */
  quality_limitation_durations?: {
    bandwidth?: number;
    cpu?: number;
    none?: number;
    other?: number;
  };
  quality_limitation_resolution_changes?: number;
  /** Producer: `targetBitrate` in bits/s. */
  target_bitrate?: number;
  /** Simulcast layer id (`rid`), when several encodings share a producer. */
  rid?: string;
  scalability_mode?: string;
  encoder_implementation?: string;
  decoder_implementation?: string;
  /** Whether the track is active/enabled at this instant (muted tracks send no media). */
  active?: boolean;
  /** Producer: `availableOutgoingBitrate` (bits/s) of the selected candidate pair of the stream's transport at this instant. */
  available_outgoing_bitrate?: number;
  /** True when the stream's track has ended (`readyState === 'ended'`, e.g. after `track.stop()`). */
  track_ended?: boolean;
}

/** One ICE candidate, as in an `RTCIceCandidateStats`. */
export interface CandidateInfo {
  id?: string;
  address?: string;
  port?: number;
  protocol?: string;
  candidate_type?: 'host' | 'srflx' | 'prflx' | 'relay' | string;
  network_type?: string;
  relay_protocol?: string;
  /** True when `relay_protocol` was not reported (Safari) but read from the TURN `url` (src/normalize/relay-protocol.ts). */
  relay_protocol_inferred?: boolean;
  url?: string;
  related_address?: string;
  related_port?: number;
}

/** One candidate pair at one instant. */
export interface CandidatePairSample {
  ts: number;
  pc: string;
  id: string;
  state?: string;
  nominated?: boolean;
  /** True when this pair is the transport's selected pair. */
  selected?: boolean;
  local?: CandidateInfo;
  remote?: CandidateInfo;
  bytes_sent?: number;
  bytes_received?: number;
  packets_sent?: number;
  packets_received?: number;
  bytes_discarded_on_send?: number;
  packets_discarded_on_send?: number;
  current_rtt_ms?: number;
  total_rtt_s?: number;
  responses_received?: number;
  available_outgoing_bitrate?: number;
  available_incoming_bitrate?: number;
  /** Epoch ms. */
  last_packet_sent_timestamp?: number;
  last_packet_received_timestamp?: number;
}

/** A timestamped event (connection state change, device change, mute, reconnect...). */
export interface TelemetryEvent {
  ts: number;
  /** Machine name, e.g. `connection_state_change`, `ice_connection_state_change`, `mute`, `device_change`, `ice_restart`. */
  name: string;
  pc?: string;
  metadata?: Record<string, string | number | boolean | null>;
}

/** A media device as seen by `enumerateDevices()`. */
export interface MediaDeviceInfoLite {
  device_id?: string;
  kind?: string;
  label?: string;
  group_id?: string;
}

/** A change in the device list of one kind (`audioinput`, `videoinput`, `audiooutput`). */
export interface DeviceListUpdate {
  ts: number;
  kind: 'audioinput' | 'videoinput' | 'audiooutput';
  added: MediaDeviceInfoLite[];
  removed: MediaDeviceInfoLite[];
}

/** The app selected a device. */
export interface SelectedDeviceUpdate {
  ts: number;
  device: MediaDeviceInfoLite;
}

/** Per-peer-connection metadata (connectivity and network type), one per PC (or per ICE restart). */
export interface PcMetadata {
  ts: number;
  pc: string;
  effective_network_type?: string;
  reflexive_connectivity?: boolean;
  relay_connectivity?: boolean;
  turn_connectivity?: boolean;
  /** Where this PC goes: `sfu` or `p2p`, when the app knows. */
  role?: string;
  /** The remote peer at the other end of this PC (P2P), when the app knows. */
  remote_peer_id?: string;
  /** ICE servers configured (URLs only; credentials are never sent). */
  ice_servers?: string[];
  ice_transport_policy?: string;
  sdp?: string[];
}

/** Result of a precall network test. */
export interface PrecallResult {
  ts: number;
  backend_rtt_ms?: number;
  rtt_ms?: number;
  jitter_ms?: number;
  /** kbit/s. */
  throughput_kbps?: number;
  /** 0..1. */
  fractional_loss?: number;
  effective_network_type?: string;
  host_connectivity?: boolean;
  reflexive_connectivity?: boolean;
  relay_connectivity?: boolean;
  turn_connectivity?: boolean;
}

/** Client hints (`navigator.userAgentData.getHighEntropyValues`). */
export interface ClientHints {
  brands?: { brand: string; version: string }[];
  full_version_list?: { brand: string; version: string }[];
  mobile?: boolean;
  platform?: string;
  platform_version?: string;
  architecture?: string;
  model?: string;
}

/** Who the client is: sent once at join, and again when it changes. */
export interface ClientInfo {
  user_agent?: string;
  client_hints?: ClientHints;
  cpus?: number;
  memory_gb?: number;
  is_mobile?: boolean;
  webgl_support?: boolean | null;
  sdk_name?: string;
  sdk_version?: string;
  sdk_type?: string;
  room_view_type?: string;
  native_audio_encoder?: string;
  native_video_encoder?: string;
}

/**
 * One upload from a client. `batch_id` makes retries idempotent: a batch
 * whose id was already stored for this peer is acknowledged and ignored.
 */
export interface TelemetryBatch {
  batch_id: string;
  /** Client clock at send time (epoch ms), to estimate skew. */
  sent_at?: number;
  client?: ClientInfo;
  samples?: StreamSample[];
  candidate_pairs?: CandidatePairSample[];
  events?: TelemetryEvent[];
  device_updates?: DeviceListUpdate[];
  selected_devices?: SelectedDeviceUpdate[];
  pc_metadata?: PcMetadata[];
  precall?: PrecallResult;
}

/** Body of the join call that creates a peer. */
export interface JoinRequest {
  client?: ClientInfo;
  precall?: PrecallResult;
  /** Client clock (epoch ms) at join. */
  joined_at?: number;
  /**
   * The peer this client was before the server closed it (rejoin after a
   * network cut). Its streams' last counters become the new peer's baseline,
   * so a connection that lives on is not counted from zero twice.
   */
  previous_peer_id?: string;
}

/** Stable key of one stream within a peer: pc + direction + ssrc. */
export function streamKey(sample: Pick<StreamSample, 'pc' | 'direction' | 'ssrc'>): string {
  return `${sample.pc}|${sample.direction}|${sample.ssrc}`;
}

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
 * The shapes are defined once, by the zod schemas that validate them at ingest
 * (`src/ingest/ingest-schemas.ts`, where each field is documented); the types
 * here are derived from them (`z.infer`) through type-only imports, which the
 * collector bundle erases.
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

import type { z } from 'zod';
import type * as schemas from '../ingest/ingest-schemas.ts';

/** The four media categories of a RealtimeKit peer report. */
export type MediaType = StreamSample['media'];

/** Producer = what this peer sends; consumer = what it receives. */
export type StreamDirection = StreamSample['direction'];

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
export type RttSource = NonNullable<StreamSample['rtt_source']>;

/**
 * One RTP stream at one instant: cumulative counters merged from the
 * `outbound-rtp` + `remote-inbound-rtp` + `media-source` stats (producer) or
 * `inbound-rtp` + `remote-outbound-rtp` stats (consumer), plus the RTT of the
 * selected candidate pair as a fallback.
 */
export type StreamSample = z.infer<typeof schemas.streamSampleSchema>;

/** One ICE candidate, as in an `RTCIceCandidateStats`. */
export type CandidateInfo = z.infer<typeof schemas.candidateSchema>;

/** One candidate pair at one instant. */
export type CandidatePairSample = z.infer<typeof schemas.candidatePairSchema>;

/** A timestamped event (connection state change, device change, mute, reconnect...). */
export type TelemetryEvent = z.infer<typeof schemas.eventSchema>;

/** A media device as seen by `enumerateDevices()`. */
export type MediaDeviceInfoLite = z.infer<typeof schemas.deviceSchema>;

/** A change in the device list of one kind (`audioinput`, `videoinput`, `audiooutput`). */
export type DeviceListUpdate = z.infer<typeof schemas.deviceUpdateSchema>;

/** The app selected a device. */
export type SelectedDeviceUpdate = z.infer<typeof schemas.selectedDeviceSchema>;

/** Per-peer-connection metadata (connectivity and network type), one per PC (or per ICE restart). */
export type PcMetadata = z.infer<typeof schemas.pcMetadataSchema>;

/** Result of a precall network test. */
export type PrecallResult = z.infer<typeof schemas.precallSchema>;

/** Client hints (`navigator.userAgentData.getHighEntropyValues`). */
export type ClientHints = z.infer<typeof schemas.clientHintsSchema>;

/** Who the client is: sent once at join, and again when it changes. */
export type ClientInfo = z.infer<typeof schemas.clientInfoSchema>;

/**
 * One upload from a client. `batch_id` makes retries idempotent: a batch
 * whose id was already stored for this peer is acknowledged and ignored.
 */
export type TelemetryBatch = z.infer<typeof schemas.telemetryBatchSchema>;

/** Body of the join call that creates a peer. */
export type JoinRequest = z.infer<typeof schemas.joinRequestSchema>;

/** Stable key of one stream within a peer: pc + direction + ssrc. */
export function streamKey(sample: Pick<StreamSample, 'pc' | 'direction' | 'ssrc'>): string {
  return `${sample.pc}|${sample.direction}|${sample.ssrc}`;
}

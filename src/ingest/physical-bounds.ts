/**
 * Physical bounds of the telemetry figures: what a browser can report at all.
 * A value beyond them is a client bug or an attack (`rtt_ms: 1e308`), never a
 * measurement, and would surface in reports as `1e+308` or `null`. The ingest
 * schema refuses it (400 naming the field); the dump importer, which must take
 * a recording as it is, drops the field instead.
 */

/** Largest counter or byte count: beyond 2^53 − 1 a double no longer counts by ones. */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** Round-trip times, jitter and other delays in milliseconds: a minute is already absurd. */
export const MAX_DELAY_MS = 60_000;

/** Frames per second of any camera or screen capture, with a wide margin. */
export const MAX_FRAMES_PER_SECOND = 1_000;

/** Frame width or height in pixels (16K). */
export const MAX_FRAME_DIMENSION = 16_384;

/** RTP clock rates (audio at most 192 kHz, video 90 kHz). */
export const MAX_CLOCK_RATE = 1_000_000;

/** `audioLevel` is linear, 0..1 (W3C webrtc-stats). */
export const MAX_AUDIO_LEVEL = 1;

/** Device memory in GB (navigator.deviceMemory reports at most 8; servers run clients too). */
export const MAX_MEMORY_GB = 65_536;

/** Fields of a stream sample or candidate pair whose bound is tighter than {@link MAX_COUNTER}. */
export const FIELD_MAX: Readonly<Record<string, number>> = {
  rtt_ms: MAX_DELAY_MS,
  jitter_ms: MAX_DELAY_MS,
  current_rtt_ms: MAX_DELAY_MS,
  backend_rtt_ms: MAX_DELAY_MS,
  frames_per_second: MAX_FRAMES_PER_SECOND,
  frame_width: MAX_FRAME_DIMENSION,
  frame_height: MAX_FRAME_DIMENSION,
  clock_rate: MAX_CLOCK_RATE,
  audio_level: MAX_AUDIO_LEVEL,
  memory_gb: MAX_MEMORY_GB,
};

/** The upper bound of numeric field `key`. */
export function fieldMax(key: string): number {
  return FIELD_MAX[key] ?? MAX_COUNTER;
}

/**
 * Media kind and screenshare classification of RTP stream stats. Browser-safe.
 */
import type { MediaType, StreamDirection } from '../model/telemetry.ts';
import type { StatIndex } from './stat-index.ts';
import type { RawStat, ScreenshareProbe } from './types.ts';
import { str } from './values.ts';

export type MediaKind = 'audio' | 'video';

function asKind(value: unknown): MediaKind | undefined {
  const s = str(value)?.toLowerCase();
  return s === 'audio' || s === 'video' ? s : undefined;
}

/**
 * `audio` or `video` for an RTP stat: `kind` (W3C), `mediaType` (older Chrome, Firefox, Safari),
 * the codec mime type, the attached track stat, then the id spelling
 * (`RTCInboundRTPAudioStream_…`, Firefox's `inbound_rtp_video_3`).
 */
export function mediaKindOf(
  index: StatIndex,
  stat: RawStat,
  track?: RawStat,
): MediaKind | undefined {
  const direct = asKind(stat.kind) ?? asKind(stat.mediaType);
  if (direct) return direct;
  const codec = index.ref(stat.codecId);
  const mime = str(codec?.mimeType)?.toLowerCase();
  if (mime?.startsWith('audio/')) return 'audio';
  if (mime?.startsWith('video/')) return 'video';
  const fromTrack = asKind(track?.kind);
  if (fromTrack) return fromTrack;
  const id = stat.id.toLowerCase();
  const hasAudio = id.includes('audio');
  const hasVideo = id.includes('video');
  if (hasAudio !== hasVideo) return hasAudio ? 'audio' : 'video';
  return undefined;
}

/** Chrome marks screen-capture content with `contentType: 'screenshare'` on inbound/outbound RTP stats. */
export function defaultScreenshare(info: ScreenshareProbe): boolean {
  return info.contentType === 'screenshare';
}

/** The contract media category of a stream. */
export function mediaTypeOf(kind: MediaKind, screenshare: boolean): MediaType {
  return screenshare ? `screenshare_${kind}` : kind;
}

/** Builds the probe handed to a screenshare predicate. */
export function screenshareProbe(
  stat: RawStat,
  ssrc: number,
  kind: MediaKind,
  direction: StreamDirection,
  trackIdentifier: string | undefined,
): ScreenshareProbe {
  const probe: ScreenshareProbe = { ssrc, kind, direction };
  if (trackIdentifier !== undefined) probe.trackIdentifier = trackIdentifier;
  const mid = str(stat.mid);
  if (mid !== undefined) probe.mid = mid;
  const contentType = str(stat.contentType);
  if (contentType !== undefined) probe.contentType = contentType;
  return probe;
}

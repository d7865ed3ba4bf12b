/**
 * Producer and consumer stream samples from the RTP stats of one report. Browser-safe.
 *
 * Producer = `outbound-rtp` + its `remote-inbound-rtp` + `media-source` + `codec` (+ sender
 * `track` of older browsers). Consumer = `inbound-rtp` + its `remote-outbound-rtp` + `codec`
 * (+ receiver `track`, where Chrome < 110 and Safari keep frame and jitter-buffer fields).
 */
import type { StreamDirection, StreamSample } from '../model/telemetry.ts';
import { selectedPairFor } from './candidate-pairs.ts';
import { defaultScreenshare, mediaKindOf, mediaTypeOf, screenshareProbe } from './media-kind.ts';
import type { StatIndex } from './stat-index.ts';
import type { NormalizeOptions, RawStat } from './types.ts';
import { bool, firstDefined, num, secondsToMs, setIfDefined, str } from './values.ts';
import { setSampleField } from './sample-field-setters.ts';

const LIMITATION_REASONS = new Set(['cpu', 'bandwidth', 'none', 'other']);

/** Links each RTP stat to its RTCP-derived counterpart (`localId`, `remoteId`, then ssrc). */
class RemoteLinks {
  private readonly byLocalId = new Map<string, RawStat>();
  private readonly bySsrc = new Map<number, RawStat>();

  constructor(
    private readonly index: StatIndex,
    type: 'remote-inbound-rtp' | 'remote-outbound-rtp',
  ) {
    for (const remote of index.ofType(type)) {
      const localId = str(remote.localId);
      if (localId !== undefined) this.byLocalId.set(localId, remote);
      const ssrc = num(remote.ssrc);
      if (ssrc !== undefined) this.bySsrc.set(ssrc, remote);
    }
  }

  for(local: RawStat, type: string): RawStat | undefined {
    return (
      this.byLocalId.get(local.id) ??
      this.index.ref(local.remoteId, type) ??
      (num(local.ssrc) !== undefined ? this.bySsrc.get(num(local.ssrc) as number) : undefined)
    );
  }
}

/** Parses an object-valued field that some serialisers (webrtc-internals) store as a JSON string. */
function objectField(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function limitationDurations(value: unknown): StreamSample['quality_limitation_durations'] {
  const obj = objectField(value);
  if (!obj) return undefined;
  const out: NonNullable<StreamSample['quality_limitation_durations']> = {};
  for (const key of ['bandwidth', 'cpu', 'none', 'other'] as const)
    setIfDefined(out, key, num(obj[key]));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `usedtx=1` / `useinbandfec=1` of the codec's fmtp line, when the browser exposes it. */
function fmtpFlag(fmtp: string | undefined, name: string): boolean | undefined {
  if (fmtp === undefined) return undefined;
  const match = new RegExp(`(?:^|;)\\s*${name}=(\\d)`).exec(fmtp);
  return match ? match[1] === '1' : false;
}

/** Shared context for building the samples of one report. */
export interface SampleContext {
  index: StatIndex;
  pc: string;
  ts: number;
  options: NormalizeOptions;
  selected: Map<string, RawStat>;
  /** Codec ids referenced by a stream are recorded here. */
  codecs: Record<string, string>;
}

/** Fields common to both directions; returns `undefined` when the stream cannot be classified. */
function baseSample(
  ctx: SampleContext,
  stat: RawStat,
  direction: StreamDirection,
  track: RawStat | undefined,
  source: RawStat | undefined,
): StreamSample | undefined {
  const ssrc = num(stat.ssrc);
  if (ssrc === undefined) return undefined;
  const kind = mediaKindOf(ctx.index, stat, track ?? source);
  if (!kind) return undefined;
  const trackId =
    str(stat.trackIdentifier) ?? str(track?.trackIdentifier) ?? str(source?.trackIdentifier);
  const probe = screenshareProbe(stat, ssrc, kind, direction, trackId);
  const isScreenshare = (ctx.options.screenshare ?? defaultScreenshare)(probe);
  const sample: StreamSample = {
    ts: ctx.ts,
    pc: ctx.pc,
    direction,
    media: mediaTypeOf(kind, isScreenshare),
    ssrc,
  };
  setSampleField(sample, 'mid', str(stat.mid));
  const codec = ctx.index.ref(stat.codecId, 'codec');
  const mime = str(codec?.mimeType);
  if (codec && mime !== undefined) {
    sample.codec = mime;
    ctx.codecs[codec.id] = mime;
    setSampleField(sample, 'clock_rate', num(codec.clockRate));
    if (kind === 'audio') {
      const fmtp = str(codec.sdpFmtpLine);
      setSampleField(sample, 'fec', fmtpFlag(fmtp, 'useinbandfec'));
      if (direction === 'producer') setSampleField(sample, 'dtx', fmtpFlag(fmtp, 'usedtx'));
    }
  }
  setSampleField(sample, 'track_id', trackId);
  // Chrome < 110 and Safari report the track's state on their `track` stat; a live report's caller may also stamp it.
  if (bool(track?.ended) === true) sample.track_ended = true;
  setSampleField(sample, 'nack_count', num(stat.nackCount));
  setSampleField(sample, 'pli_count', num(stat.pliCount));
  setSampleField(sample, 'fir_count', num(stat.firCount));
  setSampleField(sample, 'qp_sum', num(stat.qpSum));
  return sample;
}

/** RTT from the RTCP-derived stat, else from the selected candidate pair of the stream's transport. */
function applyRtt(
  ctx: SampleContext,
  sample: StreamSample,
  stat: RawStat,
  remote: RawStat | undefined,
  remoteType: 'remote-inbound-rtp' | 'remote-outbound-rtp',
): void {
  // Firefox before 66 reported `mozRtt` in milliseconds instead of `roundTripTime` in seconds.
  const remoteRtt = firstDefined(secondsToMs(num(remote?.roundTripTime)), num(remote?.mozRtt));
  if (remote) {
    setSampleField(sample, 'total_rtt_s', num(remote.totalRoundTripTime));
    setSampleField(sample, 'rtt_measurements', num(remote.roundTripTimeMeasurements));
  }
  if (remoteRtt !== undefined) {
    sample.rtt_ms = remoteRtt;
    sample.rtt_source = remoteType;
    return;
  }
  const pairRtt = secondsToMs(
    num(selectedPairFor(ctx.selected, stat.transportId)?.currentRoundTripTime),
  );
  if (pairRtt !== undefined) {
    sample.rtt_ms = pairRtt;
    sample.rtt_source = 'candidate-pair';
  }
}

/** One producer sample for an `outbound-rtp` stat (one per simulcast layer). */
function producerSample(
  ctx: SampleContext,
  out: RawStat,
  links: RemoteLinks,
): StreamSample | undefined {
  const { index } = ctx;
  const track = index.ref(out.trackId, 'track');
  const source =
    index.ref(out.mediaSourceId, 'media-source') ?? index.ref(track?.mediaSourceId, 'media-source');
  const sample = baseSample(ctx, out, 'producer', track, source);
  if (!sample) return undefined;
  const rib = links.for(out, 'remote-inbound-rtp');
  setSampleField(sample, 'packets', num(out.packetsSent));
  setSampleField(sample, 'bytes', num(out.bytesSent));
  setSampleField(sample, 'header_bytes', num(out.headerBytesSent));
  setSampleField(sample, 'retransmitted_packets', num(out.retransmittedPacketsSent));
  setSampleField(sample, 'retransmitted_bytes', num(out.retransmittedBytesSent));
  setSampleField(sample, 'fec_packets', num(out.fecPacketsSent));
  // The bandwidth estimate at this instant, so each interval carries its own value (not one last value per pair).
  setSampleField(
    sample,
    'available_outgoing_bitrate',
    num(selectedPairFor(ctx.selected, out.transportId)?.availableOutgoingBitrate),
  );
  if (rib) {
    setSampleField(sample, 'packets_lost', num(rib.packetsLost));
    setSampleField(sample, 'fraction_lost', num(rib.fractionLost));
    setSampleField(sample, 'jitter_ms', secondsToMs(num(rib.jitter)));
  }
  applyRtt(ctx, sample, out, rib, 'remote-inbound-rtp');
  setSampleField(
    sample,
    'audio_level',
    firstDefined(num(source?.audioLevel), num(track?.audioLevel)),
  );
  setSampleField(
    sample,
    'total_audio_energy',
    firstDefined(num(source?.totalAudioEnergy), num(track?.totalAudioEnergy)),
  );
  setSampleField(sample, 'frame_width', firstDefined(num(out.frameWidth), num(track?.frameWidth)));
  setSampleField(
    sample,
    'frame_height',
    firstDefined(num(out.frameHeight), num(track?.frameHeight)),
  );
  setSampleField(sample, 'frames_per_second', num(out.framesPerSecond));
  setSampleField(sample, 'frames_encoded', num(out.framesEncoded));
  setSampleField(sample, 'frames_sent', firstDefined(num(out.framesSent), num(track?.framesSent)));
  setSampleField(sample, 'key_frames_encoded', num(out.keyFramesEncoded));
  // Not mapped: Firefox's non-standard outbound `droppedFrames` goes up and down (not a counter).
  setSampleField(sample, 'total_encode_time_s', num(out.totalEncodeTime));
  const reason = str(out.qualityLimitationReason);
  if (reason !== undefined && LIMITATION_REASONS.has(reason))
    sample.quality_limitation_reason = reason as StreamSample['quality_limitation_reason'];
  setSampleField(
    sample,
    'quality_limitation_durations',
    limitationDurations(out.qualityLimitationDurations),
  );
  setSampleField(
    sample,
    'quality_limitation_resolution_changes',
    num(out.qualityLimitationResolutionChanges),
  );
  setSampleField(sample, 'target_bitrate', num(out.targetBitrate));
  setSampleField(sample, 'rid', str(out.rid));
  setSampleField(sample, 'scalability_mode', str(out.scalabilityMode));
  setSampleField(sample, 'encoder_implementation', str(out.encoderImplementation));
  setSampleField(sample, 'active', bool(out.active));
  return sample;
}

/** One consumer sample for an `inbound-rtp` stat. */
function consumerSample(
  ctx: SampleContext,
  inb: RawStat,
  links: RemoteLinks,
): StreamSample | undefined {
  const track = ctx.index.ref(inb.trackId, 'track');
  const sample = baseSample(ctx, inb, 'consumer', track, undefined);
  if (!sample) return undefined;
  /** Newer browsers put a field on inbound-rtp; Chrome < 110 and Safari kept it on the receiver track. */
  const field = (name: string): number | undefined =>
    firstDefined(num(inb[name]), num(track?.[name]));
  setSampleField(sample, 'packets', num(inb.packetsReceived));
  setSampleField(sample, 'bytes', num(inb.bytesReceived));
  setSampleField(sample, 'header_bytes', num(inb.headerBytesReceived));
  setSampleField(sample, 'packets_lost', num(inb.packetsLost));
  setSampleField(sample, 'jitter_ms', secondsToMs(num(inb.jitter)));
  setSampleField(sample, 'retransmitted_packets', num(inb.retransmittedPacketsReceived));
  setSampleField(sample, 'retransmitted_bytes', num(inb.retransmittedBytesReceived));
  setSampleField(sample, 'fec_packets', num(inb.fecPacketsReceived));
  setSampleField(sample, 'fec_packets_discarded', num(inb.fecPacketsDiscarded));
  applyRtt(ctx, sample, inb, links.for(inb, 'remote-outbound-rtp'), 'remote-outbound-rtp');
  setSampleField(sample, 'jitter_buffer_delay_s', field('jitterBufferDelay'));
  setSampleField(sample, 'jitter_buffer_emitted_count', field('jitterBufferEmittedCount'));
  setSampleField(sample, 'jitter_buffer_target_delay_s', field('jitterBufferTargetDelay'));
  setSampleField(sample, 'concealment_events', field('concealmentEvents'));
  setSampleField(sample, 'concealed_samples', field('concealedSamples'));
  setSampleField(sample, 'silent_concealed_samples', field('silentConcealedSamples'));
  setSampleField(sample, 'total_samples_received', field('totalSamplesReceived'));
  setSampleField(
    sample,
    'inserted_samples_for_deceleration',
    field('insertedSamplesForDeceleration'),
  );
  setSampleField(
    sample,
    'removed_samples_for_acceleration',
    field('removedSamplesForAcceleration'),
  );
  setSampleField(sample, 'audio_level', field('audioLevel'));
  setSampleField(sample, 'total_audio_energy', field('totalAudioEnergy'));
  setSampleField(sample, 'frame_width', field('frameWidth'));
  setSampleField(sample, 'frame_height', field('frameHeight'));
  setSampleField(sample, 'frames_per_second', field('framesPerSecond'));
  setSampleField(sample, 'frames_decoded', field('framesDecoded'));
  setSampleField(sample, 'frames_dropped', field('framesDropped'));
  setSampleField(sample, 'frames_received', field('framesReceived'));
  setSampleField(sample, 'key_frames_decoded', field('keyFramesDecoded'));
  setSampleField(sample, 'freeze_count', field('freezeCount'));
  setSampleField(sample, 'total_freezes_duration_s', field('totalFreezesDuration'));
  setSampleField(sample, 'pause_count', field('pauseCount'));
  setSampleField(sample, 'total_pauses_duration_s', field('totalPausesDuration'));
  setSampleField(sample, 'total_decode_time_s', field('totalDecodeTime'));
  setSampleField(sample, 'decoder_implementation', str(inb.decoderImplementation));
  return sample;
}

/** Producer samples then consumer samples, in report order. */
export function streamSamples(ctx: SampleContext): StreamSample[] {
  const samples: StreamSample[] = [];
  const ribLinks = new RemoteLinks(ctx.index, 'remote-inbound-rtp');
  const robLinks = new RemoteLinks(ctx.index, 'remote-outbound-rtp');
  for (const out of ctx.index.ofType('outbound-rtp')) {
    const sample = producerSample(ctx, out, ribLinks);
    if (sample) samples.push(sample);
  }
  for (const inb of ctx.index.ofType('inbound-rtp')) {
    const sample = consumerSample(ctx, inb, robLinks);
    if (sample) samples.push(sample);
  }
  return samples;
}

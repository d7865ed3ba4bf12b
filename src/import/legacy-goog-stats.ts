/**
 * Converts Chrome's pre-standard callback stats (`getStats(callback)`: types
 * `ssrc`, `googCandidatePair`, `googComponent`, `VideoBwe`, `localcandidate`,
 * values as strings, units in ms) into standard-shaped RawStats, so that the
 * one shared normaliser computes every figure. Pure.
 *
 * Mapping (legacy -> W3C):
 * - `ssrc_<n>_send` -> `outbound-rtp` (packetsSent, bytesSent, googFrame*Sent, googNacks/Plis/FirsReceived,
 *   googCodecName -> synthetic `codec`) + `remote-inbound-rtp` (packetsLost, googJitterReceived ms -> s,
 *   googRtt ms -> s) + `media-source` (audioInputLevel 0..32767 -> audioLevel 0..1).
 * - `ssrc_<n>_recv` -> `inbound-rtp` (packetsReceived, bytesReceived, packetsLost, googJitterReceived ms -> s,
 *   googFrame*Received, googFrameRateOutput, framesDecoded, googNacks/Plis/FirsSent, audioOutputLevel).
 * - `googContentType: 'screen'` -> `contentType: 'screenshare'`.
 * - `googCandidatePair` -> `candidate-pair` (`googActiveConnection` -> `selected`, `googRtt` ms -> `currentRoundTripTime` s
 *   for the active pair only, `googWritable` -> state `succeeded`); `googComponent` -> `transport`.
 * - `VideoBwe.googAvailableSend/ReceiveBandwidth` -> `availableOutgoing/IncomingBitrate` of the active pair.
 */
import type { RawStat } from '../normalize/types.ts';
import { num, str } from '../normalize/values.ts';

const LEGACY_TYPES = new Set([
  'ssrc',
  'googCandidatePair',
  'googComponent',
  'VideoBwe',
  'googTrack',
  'googLibjingleSession',
  'googCertificate',
]);

/** True when a report holds Chrome legacy stats. */
export function isLegacyGoogStats(stats: Iterable<RawStat>): boolean {
  for (const stat of stats) if (LEGACY_TYPES.has(stat.type)) return true;
  return false;
}

/** Copies defined numeric fields, optionally scaled. */
function put(target: RawStat, name: string, value: unknown, scale = 1): void {
  const n = num(value);
  if (n !== undefined) target[name] = n * scale;
}

function putText(target: RawStat, name: string, value: unknown): void {
  const s = str(value);
  if (s !== undefined) target[name] = s;
}

/** Legacy RTT/jitter of `-1` (or absent) means "not measured". */
function measuredMs(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

function codecStat(
  kind: string,
  name: unknown,
  timestamp: number | undefined,
  codecs: Map<string, RawStat>,
): string | undefined {
  const codecName = str(name);
  if (!codecName) return undefined;
  const codecId = `legacy-codec-${kind}-${codecName}`;
  if (!codecs.has(codecId)) {
    const codec: RawStat = { id: codecId, type: 'codec', mimeType: `${kind}/${codecName}` };
    if (timestamp !== undefined) codec.timestamp = timestamp;
    if (codecName.toLowerCase() === 'opus') codec.clockRate = 48000;
    else if (kind === 'video') codec.clockRate = 90000;
    codecs.set(codecId, codec);
  }
  return codecId;
}

function audioLevel(level: unknown): number | undefined {
  const n = num(level);
  return n === undefined ? undefined : Math.min(1, Math.max(0, n / 32767));
}

function convertSsrc(stat: RawStat, out: RawStat[], codecs: Map<string, RawStat>): void {
  const ssrc = num(stat.ssrc);
  const kind = str(stat.mediaType);
  if (ssrc === undefined || (kind !== 'audio' && kind !== 'video')) return;
  const sending = stat.id.endsWith('_send') || stat.bytesSent !== undefined;
  const ts = num(stat.timestamp);
  const base: RawStat = { id: stat.id, type: sending ? 'outbound-rtp' : 'inbound-rtp', ssrc, kind };
  if (ts !== undefined) base.timestamp = ts;
  putText(base, 'transportId', stat.transportId);
  putText(base, 'trackIdentifier', stat.googTrackId);
  if (stat.googContentType === 'screen') base.contentType = 'screenshare';
  const codecId = codecStat(kind, stat.googCodecName, ts, codecs);
  if (codecId) base.codecId = codecId;
  putText(
    base,
    sending ? 'encoderImplementation' : 'decoderImplementation',
    stat.codecImplementationName === 'unknown' ? undefined : stat.codecImplementationName,
  );
  put(base, 'qpSum', stat.qpSum);
  if (sending) {
    put(base, 'packetsSent', stat.packetsSent);
    put(base, 'bytesSent', stat.bytesSent);
    put(base, 'framesEncoded', stat.framesEncoded);
    put(base, 'frameWidth', stat.googFrameWidthSent);
    put(base, 'frameHeight', stat.googFrameHeightSent);
    put(base, 'framesPerSecond', stat.googFrameRateSent);
    put(base, 'nackCount', stat.googNacksReceived);
    put(base, 'pliCount', stat.googPlisReceived);
    put(base, 'firCount', stat.googFirsReceived);
    if (stat.googCpuLimitedResolution === 'true') base.qualityLimitationReason = 'cpu';
    else if (stat.googBandwidthLimitedResolution === 'true')
      base.qualityLimitationReason = 'bandwidth';
    else if (
      stat.googCpuLimitedResolution === 'false' &&
      stat.googBandwidthLimitedResolution === 'false'
    )
      base.qualityLimitationReason = 'none';
    put(base, 'qualityLimitationResolutionChanges', stat.googAdaptationChanges);
    // The receiver-report figures of a sent stream become its remote-inbound-rtp.
    const remote: RawStat = {
      id: `${stat.id}-remote`,
      type: 'remote-inbound-rtp',
      ssrc,
      kind,
      localId: stat.id,
    };
    if (ts !== undefined) remote.timestamp = ts;
    put(remote, 'packetsLost', stat.packetsLost);
    const jitter = measuredMs(stat.googJitterReceived);
    if (jitter !== undefined) remote.jitter = jitter / 1000;
    const rtt = measuredMs(stat.googRtt);
    if (rtt !== undefined) remote.roundTripTime = rtt / 1000;
    if (
      remote.packetsLost !== undefined ||
      remote.jitter !== undefined ||
      remote.roundTripTime !== undefined
    )
      out.push(remote);
    const level = audioLevel(stat.audioInputLevel);
    if (kind === 'audio' && (level !== undefined || stat.totalAudioEnergy !== undefined)) {
      const source: RawStat = { id: `${stat.id}-source`, type: 'media-source', kind };
      if (ts !== undefined) source.timestamp = ts;
      if (level !== undefined) source.audioLevel = level;
      put(source, 'totalAudioEnergy', stat.totalAudioEnergy);
      putText(source, 'trackIdentifier', stat.googTrackId);
      base.mediaSourceId = source.id;
      out.push(source);
    }
  } else {
    put(base, 'packetsReceived', stat.packetsReceived);
    put(base, 'bytesReceived', stat.bytesReceived);
    put(base, 'packetsLost', stat.packetsLost);
    const jitter = measuredMs(stat.googJitterReceived);
    if (jitter !== undefined) base.jitter = jitter / 1000;
    put(base, 'framesDecoded', stat.framesDecoded);
    put(base, 'frameWidth', stat.googFrameWidthReceived);
    put(base, 'frameHeight', stat.googFrameHeightReceived);
    put(base, 'framesPerSecond', stat.googFrameRateOutput);
    put(base, 'nackCount', stat.googNacksSent);
    put(base, 'pliCount', stat.googPlisSent);
    put(base, 'firCount', stat.googFirsSent);
    const level = audioLevel(stat.audioOutputLevel);
    if (kind === 'audio' && level !== undefined) base.audioLevel = level;
    if (kind === 'audio') put(base, 'totalAudioEnergy', stat.totalAudioEnergy);
  }
  out.push(base);
}

/** Counters a legacy candidate pair carries under their standard names. */
const PAIR_COUNTERS = [
  'bytesSent',
  'bytesReceived',
  'packetsSent',
  'packetsReceived',
  'packetsDiscardedOnSend',
  'requestsSent',
  'requestsReceived',
  'responsesSent',
  'responsesReceived',
  'consentRequestsSent',
] as const;

function convertPair(stat: RawStat, bwe: RawStat | undefined): RawStat {
  const active = stat.googActiveConnection === 'true';
  const pair: RawStat = { id: stat.id, type: 'candidate-pair', selected: active };
  if (stat.timestamp !== undefined) pair.timestamp = stat.timestamp;
  putText(pair, 'transportId', stat.googChannelId);
  putText(pair, 'localCandidateId', stat.localCandidateId);
  putText(pair, 'remoteCandidateId', stat.remoteCandidateId);
  if (active || stat.googWritable === 'true') pair.state = 'succeeded';
  if (active) pair.nominated = true;
  for (const field of PAIR_COUNTERS) put(pair, field, stat[field]);
  // An unchecked pair reports googRtt 3000 (the initial estimate); only the active pair's value is a measurement.
  const rtt = measuredMs(stat.googRtt);
  if (active && rtt !== undefined) pair.currentRoundTripTime = rtt / 1000;
  if (active && bwe) {
    const out = num(bwe.googAvailableSendBandwidth);
    const inc = num(bwe.googAvailableReceiveBandwidth);
    if (out !== undefined && out > 0) pair.availableOutgoingBitrate = out;
    if (inc !== undefined && inc > 0) pair.availableIncomingBitrate = inc;
  }
  return pair;
}

function convertCandidate(stat: RawStat): RawStat {
  const candidate: RawStat = {
    id: stat.id,
    type: stat.type === 'localcandidate' ? 'local-candidate' : 'remote-candidate',
  };
  if (stat.timestamp !== undefined) candidate.timestamp = stat.timestamp;
  putText(candidate, 'address', stat.ipAddress);
  put(candidate, 'port', stat.portNumber);
  putText(candidate, 'protocol', stat.transport);
  putText(candidate, 'candidateType', stat.candidateType);
  putText(candidate, 'networkType', stat.networkType);
  put(candidate, 'priority', stat.priority);
  return candidate;
}

function convertComponent(stat: RawStat): RawStat {
  const transport: RawStat = { id: stat.id, type: 'transport' };
  if (stat.timestamp !== undefined) transport.timestamp = stat.timestamp;
  putText(transport, 'selectedCandidatePairId', stat.selectedCandidatePairId);
  putText(transport, 'dtlsCipher', stat.dtlsCipher);
  putText(transport, 'srtpCipher', stat.srtpCipher);
  return transport;
}

/** Standard-shaped RawStats for a legacy report. Stats that carry no quality figure (certificates, tracks) are dropped. */
export function convertLegacyGoogStats(stats: readonly RawStat[]): RawStat[] {
  const out: RawStat[] = [];
  const codecs = new Map<string, RawStat>();
  const bwe = stats.find((s) => s.type === 'VideoBwe');
  for (const stat of stats) {
    switch (stat.type) {
      case 'ssrc':
        convertSsrc(stat, out, codecs);
        break;
      case 'googCandidatePair':
        out.push(convertPair(stat, bwe));
        break;
      case 'localcandidate':
      case 'remotecandidate':
        out.push(convertCandidate(stat));
        break;
      case 'googComponent':
        out.push(convertComponent(stat));
        break;
      default:
        break;
    }
  }
  out.push(...codecs.values());
  return out;
}

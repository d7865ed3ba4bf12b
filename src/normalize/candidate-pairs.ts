/**
 * Candidate pairs, their candidates, the selected pair of each transport, and the transport summary.
 * Browser-safe.
 */
import type { CandidateInfo, CandidatePairSample } from '../model/telemetry.ts';
import { StatIndex } from './stat-index.ts';
import type { RawStat, TransportSummary } from './types.ts';
import { bool, num, secondsToMs, setIfDefined, str } from './values.ts';
import { inferRelayProtocol } from './relay-protocol.ts';

/** Candidate type spellings of old browsers (Firefox < 60 and Chrome's legacy stats) mapped to W3C values. */
const CANDIDATE_TYPE_ALIASES: Record<string, string> = {
  serverreflexive: 'srflx',
  peerreflexive: 'prflx',
  relayed: 'relay',
  local: 'host',
  stun: 'srflx',
};

/** The W3C `candidateType` (`host`, `srflx`, `prflx`, `relay`) of a candidate spelled by any browser. */
export function canonicalCandidateType(value: unknown): string | undefined {
  const type = str(value);
  return type === undefined ? undefined : (CANDIDATE_TYPE_ALIASES[type] ?? type);
}

/** A plausible epoch-ms timestamp; Chrome's `lastPacket*Timestamp` of some versions are monotonic clock values, which are dropped. */
function epochMs(value: unknown): number | undefined {
  const t = num(value);
  return t !== undefined && t > 1e12 ? Math.round(t) : undefined;
}

/** An `RTCIceCandidateStats` (any browser's spelling) as a contract `CandidateInfo`. */
export function candidateInfo(stat: RawStat): CandidateInfo {
  const info: CandidateInfo = { id: stat.id };
  setIfDefined(info, 'address', str(stat.address) ?? str(stat.ip) ?? str(stat.ipAddress));
  setIfDefined(info, 'port', num(stat.port) ?? num(stat.portNumber));
  setIfDefined(info, 'protocol', str(stat.protocol) ?? str(stat.transport));
  setIfDefined(info, 'candidate_type', canonicalCandidateType(stat.candidateType));
  setIfDefined(info, 'network_type', str(stat.networkType));
  setIfDefined(info, 'relay_protocol', str(stat.relayProtocol));
  setIfDefined(info, 'url', str(stat.url));
  setIfDefined(info, 'related_address', str(stat.relatedAddress));
  setIfDefined(info, 'related_port', num(stat.relatedPort));
  return inferRelayProtocol(info);
}

function pairBytes(pair: RawStat): number {
  return (num(pair.bytesSent) ?? 0) + (num(pair.bytesReceived) ?? 0);
}

/**
 * The selected candidate pair of each transport, keyed by transport id (`''` when the pair has none).
 *
 * Order of evidence: `transport.selectedCandidatePairId` (Chrome, Safari); else pairs flagged
 * `selected: true` (Firefox, converted legacy stats); else the nominated + succeeded pair
 * (the busiest one when several qualify).
 */
export function selectedPairs(index: StatIndex): Map<string, RawStat> {
  const selected = new Map<string, RawStat>();
  for (const transport of index.ofType('transport')) {
    const pair = index.ref(transport.selectedCandidatePairId, 'candidate-pair');
    if (pair) selected.set(transport.id, pair);
  }
  if (selected.size > 0) return selected;
  const pairs = index.ofType('candidate-pair');
  for (const pair of pairs) {
    if (bool(pair.selected) === true) selected.set(str(pair.transportId) ?? '', pair);
  }
  if (selected.size > 0) return selected;
  for (const pair of pairs) {
    if (bool(pair.nominated) !== true || pair.state !== 'succeeded') continue;
    const key = str(pair.transportId) ?? '';
    const current = selected.get(key);
    if (!current || pairBytes(pair) > pairBytes(current)) selected.set(key, pair);
  }
  return selected;
}

/** The selected pair that carries a stream on `transportId`, falling back to the only/first selected pair. */
export function selectedPairFor(
  selected: Map<string, RawStat>,
  transportId: unknown,
): RawStat | undefined {
  const id = str(transportId);
  if (id !== undefined && selected.has(id)) return selected.get(id);
  return selected.values().next().value;
}

/** One `candidate-pair` stat as a contract sample. */
export function candidatePairSample(
  index: StatIndex,
  pair: RawStat,
  pc: string,
  ts: number,
  isSelected: boolean,
): CandidatePairSample {
  const sample: CandidatePairSample = { ts, pc, id: pair.id };
  setIfDefined(sample, 'state', str(pair.state));
  setIfDefined(sample, 'nominated', bool(pair.nominated));
  sample.selected = isSelected;
  const local =
    index.ref(pair.localCandidateId, 'local-candidate') ?? index.ref(pair.localCandidateId);
  const remote =
    index.ref(pair.remoteCandidateId, 'remote-candidate') ?? index.ref(pair.remoteCandidateId);
  if (local) sample.local = candidateInfo(local);
  if (remote) sample.remote = candidateInfo(remote);
  setIfDefined(sample, 'bytes_sent', num(pair.bytesSent));
  setIfDefined(sample, 'bytes_received', num(pair.bytesReceived));
  setIfDefined(sample, 'packets_sent', num(pair.packetsSent));
  setIfDefined(sample, 'packets_received', num(pair.packetsReceived));
  setIfDefined(sample, 'bytes_discarded_on_send', num(pair.bytesDiscardedOnSend));
  setIfDefined(sample, 'packets_discarded_on_send', num(pair.packetsDiscardedOnSend));
  setIfDefined(sample, 'current_rtt_ms', secondsToMs(num(pair.currentRoundTripTime)));
  setIfDefined(sample, 'total_rtt_s', num(pair.totalRoundTripTime));
  setIfDefined(sample, 'responses_received', num(pair.responsesReceived));
  setIfDefined(sample, 'available_outgoing_bitrate', num(pair.availableOutgoingBitrate));
  setIfDefined(sample, 'available_incoming_bitrate', num(pair.availableIncomingBitrate));
  setIfDefined(sample, 'last_packet_sent_timestamp', epochMs(pair.lastPacketSentTimestamp));
  setIfDefined(sample, 'last_packet_received_timestamp', epochMs(pair.lastPacketReceivedTimestamp));
  return sample;
}

/** The transport that carries the selected pair (or the first transport) as a summary. */
export function transportSummary(
  index: StatIndex,
  selected: Map<string, RawStat>,
): TransportSummary | undefined {
  const transports = index.ofType('transport');
  const transport = transports.find((t) => selected.has(t.id)) ?? transports[0];
  if (!transport) return undefined;
  const summary: TransportSummary = { id: transport.id };
  setIfDefined(
    summary,
    'selected_candidate_pair_id',
    str(transport.selectedCandidatePairId) ?? selected.get(transport.id)?.id,
  );
  setIfDefined(summary, 'dtls_state', str(transport.dtlsState));
  setIfDefined(summary, 'ice_state', str(transport.iceState));
  setIfDefined(summary, 'ice_role', str(transport.iceRole));
  setIfDefined(summary, 'dtls_role', str(transport.dtlsRole));
  setIfDefined(summary, 'tls_version', str(transport.tlsVersion));
  setIfDefined(summary, 'dtls_cipher', str(transport.dtlsCipher));
  setIfDefined(summary, 'srtp_cipher', str(transport.srtpCipher));
  setIfDefined(summary, 'bytes_sent', num(transport.bytesSent));
  setIfDefined(summary, 'bytes_received', num(transport.bytesReceived));
  setIfDefined(summary, 'packets_sent', num(transport.packetsSent));
  setIfDefined(summary, 'packets_received', num(transport.packetsReceived));
  setIfDefined(
    summary,
    'selected_candidate_pair_changes',
    num(transport.selectedCandidatePairChanges),
  );
  return summary;
}

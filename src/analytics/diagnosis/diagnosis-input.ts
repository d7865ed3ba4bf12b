/**
 * Builds the diagnosis engine's input from one peer's stored rows (pure): the
 * metric rows of its chunks grouped by stream, each stream's identity from
 * its last stored sample (`stream_state`: remote peer, producer and consumer
 * ids), the topology of each connection (`pc_metadata.role`), its events,
 * device-list changes, selected candidate pairs and precall result.
 */
import { unpackMetricRows } from '../metric-packing.ts';
import type { MetricRow } from '../metric-row.ts';
import { intervalFromMetricRow, seriesShape } from './from-metric-rows.ts';
import type {
  DiagnosisEvent,
  DiagnosisInput,
  DiagnosisStream,
  DiagnosisTransport,
  Topology,
} from './types.ts';
import type {
  CandidatePairSample,
  DeviceListUpdate,
  PcMetadata,
  PrecallResult,
  StreamSample,
} from '../../model/telemetry.ts';

/** The stored rows the input is built from. */
export interface DiagnosisSources {
  peer: {
    id: string;
    joined_at: number | string;
    left_at: number | string | null;
    precall: string | null;
  };
  /** In report order (series, stream, time), with their metric columns. */
  chunks: readonly { series: string; stream_key: string; metrics: Uint8Array }[];
  streamStates: readonly { stream_key: string; last_sample: string }[];
  events: readonly { ts: number; name: string; pc: string | null; metadata: string | null }[];
  deviceUpdates: readonly { ts: number; kind: string; payload: string }[];
  pcMetadata: readonly { pc: string; payload: string }[];
  candidatePairs: readonly {
    pc: string;
    ts: number;
    selected: number | boolean;
    payload: string;
  }[];
}

function parse<T>(text: string | null | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // a damaged stored document must not break the report
  }
}

function topologyOf(role: string | undefined): Topology {
  return role === 'sfu' ? 'sfu' : role === 'p2p' ? 'p2p' : 'unknown';
}

/** The engine's input. */
export function diagnosisInput(src: DiagnosisSources): DiagnosisInput {
  const roles = new Map<string, string>();
  for (const m of src.pcMetadata) {
    const p = parse<PcMetadata>(m.payload);
    if (p?.role) roles.set(m.pc, p.role);
  }
  const identities = new Map<string, StreamSample>();
  for (const s of src.streamStates) {
    const sample = parse<StreamSample>(s.last_sample);
    if (sample) identities.set(s.stream_key, sample);
  }
  const streams = new Map<string, DiagnosisStream>();
  const rows: MetricRow[] = [];
  for (const c of src.chunks) {
    const shape = seriesShape(c.series);
    if (!shape) continue;
    let stream = streams.get(c.stream_key);
    if (!stream) {
      const [pc, , ssrcText] = c.stream_key.split('|');
      const id = identities.get(c.stream_key);
      const ssrc = Number(ssrcText);
      stream = {
        key: c.stream_key,
        ...shape,
        pc,
        topology: topologyOf(roles.get(pc)),
        intervals: [],
      };
      if (Number.isFinite(ssrc)) stream.ssrc = ssrc;
      if (id?.producer_id) stream.producerId = id.producer_id;
      if (id?.consumer_id) stream.consumerId = id.consumer_id;
      if (id?.remote_peer_id) stream.remotePeerId = id.remote_peer_id;
      streams.set(c.stream_key, stream);
    }
    rows.length = 0;
    unpackMetricRows(c.metrics, rows);
    for (const r of rows) stream.intervals.push(intervalFromMetricRow(r));
  }
  for (const s of streams.values()) {
    // Chunks come in time order per stream; a late batch may not: sort only when needed.
    if (s.intervals.some((x, i) => i > 0 && x.t < s.intervals[i - 1].t))
      s.intervals.sort((a, b) => a.t - b.t);
  }
  const events: DiagnosisEvent[] = src.events.map((e) => {
    const out: DiagnosisEvent = { ts: Number(e.ts), name: e.name };
    if (e.pc) out.pc = e.pc;
    const metadata = parse<Record<string, unknown>>(e.metadata);
    if (metadata) out.metadata = metadata;
    return out;
  });
  for (const u of src.deviceUpdates) {
    if (u.kind === 'selected') continue;
    const update = parse<DeviceListUpdate>(u.payload);
    if (update && Array.isArray(update.removed) && update.removed.length > 0) {
      events.push({
        ts: Number(u.ts),
        name: 'device_removed',
        metadata: {
          kind: u.kind,
          label: update.removed.map((d) => d.label ?? d.kind ?? '').join(', '),
        },
      });
    }
  }
  const transports: DiagnosisTransport[] = [];
  for (const p of src.candidatePairs) {
    if (!p.selected) continue;
    const pair = parse<CandidatePairSample>(p.payload);
    if (!pair) continue;
    transports.push({
      pc: p.pc,
      ts: Number(p.ts),
      localCandidateType: pair.local?.candidate_type,
      localProtocol: pair.local?.protocol,
      relayProtocol: pair.local?.relay_protocol,
      remoteCandidateType: pair.remote?.candidate_type,
    });
  }
  const precall = parse<PrecallResult>(src.peer.precall);
  const input: DiagnosisInput = {
    peerId: src.peer.id,
    joinedAt: Number(src.peer.joined_at),
    streams: [...streams.values()],
    events,
    transports,
  };
  if (src.peer.left_at !== null) input.leftAt = Number(src.peer.left_at);
  if (precall) {
    input.precall = {
      ts: precall.ts,
      rttMs: precall.rtt_ms,
      jitterMs: precall.jitter_ms,
      fractionalLoss: precall.fractional_loss,
      throughputKbps: precall.throughput_kbps,
      relayConnectivity: precall.relay_connectivity ?? precall.turn_connectivity,
      reflexiveConnectivity: precall.reflexive_connectivity,
      hostConnectivity: precall.host_connectivity,
    };
  }
  return input;
}

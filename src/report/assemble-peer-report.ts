/**
 * Builds the RealtimeKit peer-report response body as a JSON string.
 *
 * The per-sample quality rows were serialised at ingest; here they are spliced
 * into the response as strings instead of being parsed and serialised again.
 * Everything else (identity, metadata, aggregates) is a small object that goes
 * through `JSON.stringify` with placeholders where the big arrays belong.
 */
import { randomBytes } from 'node:crypto';
import {
  QUALITY_SERIES,
  type CandidatePairSample,
  type PcMetadata,
  type PrecallResult,
} from '../model/telemetry.ts';
import type { PeerClientMetadata } from '../model/peer-metadata.ts';
import type { IpInformation } from '../geo/geo-lookup.ts';
import { computeQualityAggregates } from '../analytics/quality-aggregates.ts';
import { iso, minutesBetween } from '../util/time.ts';
import { peerEventsOf } from './peer-events.ts';
import { rowsInTimeOrder } from './time-ordered-rows.ts';
import { qualityTracks } from './quality-tracks.ts';
import type { PeerReportData } from '../store/peer-report-data.ts';
import type { ReportFilter } from './report-filters.ts';
import { diagnosisSummary } from '../analytics/diagnosis/engine.ts';

/** Options of one report request. */
export interface AssembleOptions {
  sections: ReadonlySet<ReportFilter>;
  includePeerEvents: boolean;
  /** "Now", for the duration of a live peer. */
  now: number;
}

type Json = Record<string, unknown>;

function parseJson<T>(text: string | null | undefined): T | undefined {
  if (!text) return undefined;
  return JSON.parse(text) as T;
}

function dropUndefined<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** `CandidatePairSample` → RealtimeKit `CandidatePairStats` (plus additive state/selected/pc). */
export function candidatePairStats(p: CandidatePairSample): Json {
  return dropUndefined({
    pc: p.pc,
    id: p.id,
    state: p.state,
    selected: p.selected,
    nominated: p.nominated,
    available_incoming_bitrate: p.available_incoming_bitrate,
    available_outgoing_bitrate: p.available_outgoing_bitrate,
    bytes_discarded_on_send: p.bytes_discarded_on_send,
    bytes_received: p.bytes_received,
    bytes_sent: p.bytes_sent,
    current_round_trip_time: p.current_rtt_ms,
    // Every time in the report is in ms (RealtimeKit's `rtt` thresholds are "100ms_or_greater"); W3C gives seconds.
    total_round_trip_time:
      p.total_rtt_s === undefined ? undefined : Math.round(p.total_rtt_s * 1_000_000) / 1000,
    last_packet_received_timestamp: p.last_packet_received_timestamp,
    last_packet_sent_timestamp: p.last_packet_sent_timestamp,
    packets_discarded_on_send: p.packets_discarded_on_send,
    packets_received: p.packets_received,
    packets_sent: p.packets_sent,
    local_candidate_address: p.local?.address,
    local_candidate_id: p.local?.id,
    local_candidate_network_type: p.local?.network_type,
    local_candidate_port: p.local?.port,
    local_candidate_protocol: p.local?.protocol,
    local_candidate_related_address: p.local?.related_address,
    local_candidate_related_port: p.local?.related_port,
    local_candidate_type: p.local?.candidate_type,
    local_candidate_url: p.local?.url,
    local_candidate_relay_protocol: p.local?.relay_protocol,
    local_candidate_relay_protocol_inferred: p.local?.relay_protocol_inferred,
    remote_candidate_address: p.remote?.address,
    remote_candidate_id: p.remote?.id,
    remote_candidate_port: p.remote?.port,
    remote_candidate_protocol: p.remote?.protocol,
    remote_candidate_type: p.remote?.candidate_type,
    remote_candidate_url: p.remote?.url,
    timestamp: iso(p.ts),
  });
}

function deviceSummary(meta: PeerClientMetadata): Json {
  return dropUndefined({
    browser: meta.browser_metadata.browser,
    browser_version: meta.browser_metadata.browser_version,
    cpus: meta.device_info.cpus,
    engine: meta.browser_metadata.engine,
    is_mobile: meta.device_info.is_mobile,
    os: meta.device_info.os,
    os_version: meta.device_info.os_version,
    sdk_name: meta.sdk_name,
    sdk_version: meta.sdk_version,
    user_agent: meta.browser_metadata.user_agent,
    webgl_support:
      meta.browser_metadata.webgl_support === undefined
        ? undefined
        : String(meta.browser_metadata.webgl_support),
  });
}

function precallInformation(p: PrecallResult): Json {
  return dropUndefined({
    backend_rtt: p.backend_rtt_ms,
    effective_networktype: p.effective_network_type,
    fractional_loss: p.fractional_loss,
    jitter: p.jitter_ms,
    reflexive_connectivity: p.reflexive_connectivity,
    relay_connectivity: p.relay_connectivity,
    host_connectivity: p.host_connectivity,
    rtt: p.rtt_ms,
    throughput: p.throughput_kbps,
    turn_connectivity: p.turn_connectivity,
    timestamp: iso(p.ts),
  });
}

function ipInformationBlock(ip: IpInformation): Json {
  return dropUndefined({
    asn: ip.asn ? dropUndefined({ ...ip.asn }) : undefined,
    city: ip.city,
    country: ip.country,
    region: ip.region,
    timezone: ip.timezone,
    org: ip.org,
    ipv4: ip.ipv4,
    ipv6: ip.ipv6,
    ip_location: ip.loc,
    postal: ip.postal,
    truncated: ip.truncated,
  });
}

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

/**
 * Replaces each quoted placeholder of `splices` in `json` by its stored bytes: the UTF-8 body as its parts, in
 * order (the stored rows are never decoded, nor copied).
 */
function spliceJson(json: string, splices: ReadonlyMap<string, Buffer[]>): Buffer[] {
  if (splices.size === 0) return [Buffer.from(json, 'utf8')];
  const found: { at: number; token: string }[] = [];
  for (const token of splices.keys()) {
    const at = json.indexOf(token);
    if (at >= 0) found.push({ at, token });
  }
  found.sort((a, b) => a.at - b.at);
  const parts: Buffer[] = [];
  let pos = 0;
  for (const { at, token } of found) {
    parts.push(Buffer.from(json.slice(pos, at), 'utf8'), ...splices.get(token)!);
    pos = at + token.length;
  }
  parts.push(Buffer.from(json.slice(pos), 'utf8'));
  return parts;
}

/**
 * Assembles the response body (`{ success, data: { participant } }`, UTF-8 JSON) as its parts, in order: the
 * JSON around the per-sample arrays and the stored rows of those arrays, uncopied. An answer sent as parts
 * (api/body-parts.ts) skips joining them: for a 120-minute peer that was a fresh 12 MB buffer per request.
 */
export function assemblePeerReportParts(data: PeerReportData, opts: AssembleOptions): Buffer[] {
  const { peer, participant } = data;
  const { sections } = opts;
  const meta = parseJson<PeerClientMetadata>(peer.client) ?? {
    browser_metadata: {},
    device_info: {},
  };
  const ip = parseJson<IpInformation>(peer.ip_info);
  const precall = parseJson<PrecallResult>(peer.precall);
  const end = peer.left_at ?? opts.now;

  const metadata: Json = {};
  const peerStats: Json = {};

  if (sections.has('device_info')) {
    metadata.device_info = dropUndefined({ ...meta.device_info });
    metadata.browser_metadata = dropUndefined({ ...meta.browser_metadata });
    if (meta.native_metadata) metadata.native_metadata = meta.native_metadata;
    if (meta.sdk_name) metadata.sdk_name = meta.sdk_name;
    if (meta.sdk_version) metadata.sdk_version = meta.sdk_version;
    if (meta.sdk_type) metadata.sdk_type = meta.sdk_type;
    if (meta.room_view_type) metadata.room_view_type = meta.room_view_type;
    const updates: Record<string, Json[]> = {
      audioinput: [],
      videoinput: [],
      audiooutput: [],
      selected: [],
    };
    for (const u of data.deviceUpdates) {
      const payload = JSON.parse(u.payload) as Json;
      if (u.kind === 'selected') updates.selected.push({ device: payload, timestamp: iso(u.ts) });
      else updates[u.kind]?.push({ ...payload, timestamp: iso(u.ts) });
    }
    metadata.audio_devices_updates = updates.audioinput;
    metadata.video_devices_updates = updates.videoinput;
    metadata.speaker_devices_updates = updates.audiooutput;
    metadata.selected_device_updates = updates.selected;
    peerStats.device_info = deviceSummary(meta);
  }

  if (sections.has('ip_information') && ip) {
    metadata.ip_information = ipInformationBlock(ip);
    peerStats.ip_information = ipInformationBlock(ip);
  }

  if (sections.has('events')) {
    metadata.events = data.events.map((e) =>
      dropUndefined({
        name: e.name,
        timestamp: iso(e.ts),
        metadata:
          e.pc || e.metadata
            ? { ...(parseJson<Json>(e.metadata) ?? {}), ...(e.pc ? { pc: e.pc } : {}) }
            : undefined,
      }),
    );
    peerStats.events = data.events.map((e) =>
      dropUndefined({ type: e.name, timestamp: iso(e.ts), metadata: parseJson<Json>(e.metadata) }),
    );
    if (precall) {
      (peerStats.events as Json[]).unshift({
        type: 'precall_network_test',
        timestamp: iso(precall.ts),
        metadata: {
          connection_info: dropUndefined({
            backend_r_t_t: precall.backend_rtt_ms,
            r_t_t: precall.rtt_ms,
            jitter: precall.jitter_ms,
            throughput: precall.throughput_kbps,
            fractional_loss: precall.fractional_loss,
            effective_network_type: precall.effective_network_type,
            turn_connectivity: precall.turn_connectivity,
            connectivity: dropUndefined({
              host: precall.host_connectivity,
              reflexive: precall.reflexive_connectivity,
              relay: precall.relay_connectivity,
            }),
            ip_details: ip
              ? dropUndefined({
                  asn: ip.asn?.asn ? { asn: ip.asn.asn } : undefined,
                  city: ip.city,
                  country: ip.country,
                  ip: ip.ipv4 ?? ip.ipv6,
                  loc: ip.loc,
                  postal: ip.postal,
                  region: ip.region,
                  timezone: ip.timezone,
                })
              : undefined,
          }),
        },
      });
    }
  }

  if (sections.has('precall_network_information')) {
    const roles = new Map<string, number>();
    for (const key of data.streamKeys) {
      const [pc, direction] = key.split('|');
      roles.set(pc, (roles.get(pc) ?? 0) | (direction === 'producer' ? 1 : 2));
    }
    const producing: Json[] = [];
    const consuming: Json[] = [];
    for (const row of data.candidatePairs) {
      const pair = candidatePairStats(JSON.parse(row.payload) as CandidatePairSample);
      const r = roles.get(row.pc) ?? 0;
      // A PC that never carried media (failed, never connected) is listed on both sides.
      if (r & 1 || r === 0) producing.push(pair);
      if (r & 2 || r === 0) consuming.push(pair);
    }
    metadata.candidate_pairs = { producing_transport: producing, consuming_transport: consuming };
    metadata.pc_metadata = data.pcMetadata.map((m) => {
      const p = JSON.parse(m.payload) as PcMetadata;
      return dropUndefined({
        pc: p.pc,
        effective_network_type: p.effective_network_type,
        reflexive_connectivity: p.reflexive_connectivity,
        relay_connectivity: p.relay_connectivity,
        turn_connectivity: p.turn_connectivity,
        role: p.role,
        remote_peer_id: p.remote_peer_id,
        sdp: p.sdp,
        timestamp: iso(p.ts),
      });
    });
    if (precall) peerStats.precall_network_information = precallInformation(precall);
  }

  const nonce = randomBytes(6).toString('hex');
  const splices = new Map<string, Buffer[]>();
  let qualityStats: Json | undefined;
  let quality: Json | undefined;
  if (sections.has('quality_stats')) {
    const chunksBySeries = new Map<string, (typeof data.chunks)[number][]>();
    for (const c of data.chunks) {
      const r = chunksBySeries.get(c.series);
      if (r) r.push(c);
      else chunksBySeries.set(c.series, [c]);
    }
    // Every per-sample array in time order, whatever streams (connections, tracks) it mixes.
    const rowsBySeries = new Map(
      [...chunksBySeries].map(([series, chunks]) => [series, rowsInTimeOrder(chunks)]),
    );
    const aggregates = data.aggregates ?? computeQualityAggregates(data.chunks, data.lastSamples);
    quality = {};
    for (const series of QUALITY_SERIES) {
      const token = `__peer_report_${nonce}_${series}__`;
      splices.set(`"${token}"`, [OPEN, ...(rowsBySeries.get(series) ?? []), CLOSE]);
      quality[series] = token;
      quality[`${series}_cumulative`] = aggregates.cumulative[series];
    }
    qualityStats = {
      ...aggregates.summary,
      peer_ids: data.sessionPeerIds,
      tracks: qualityTracks(data.chunks),
    };
    if (data.diagnosis) qualityStats.diagnosis = diagnosisSummary(data.diagnosis);
  }

  const participantJson: Json = dropUndefined({
    id: peer.id,
    session_id: peer.session_id,
    user_id: peer.participant_id,
    custom_participant_id: participant?.custom_participant_id,
    display_name: participant?.name ?? undefined,
    role: participant?.preset_name,
    preset_name: participant?.preset_name,
    created_at: iso(peer.created_at),
    updated_at: iso(peer.updated_at),
    joined_at: iso(peer.joined_at),
    left_at: iso(peer.left_at),
    duration: minutesBetween(peer.joined_at, end),
    status: peer.status === 'live' ? 'LIVE' : 'LEFT',
    leave_reason: peer.leave_reason ?? undefined,
    source: peer.source,
    peer_report: dropUndefined({
      metadata: Object.keys(metadata).length ? metadata : undefined,
      quality,
    }),
    peer_stats: Object.keys(peerStats).length ? peerStats : undefined,
    quality_stats: qualityStats,
    diagnosis: data.diagnosis,
    peer_events: opts.includePeerEvents ? peerEventsOf(peer) : undefined,
  });

  return spliceJson(
    JSON.stringify({ success: true, data: { participant: participantJson } }),
    splices,
  );
}

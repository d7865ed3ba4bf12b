/**
 * Accumulates what a dump recorded (API trace, getStats reports, client facts)
 * per recorded client and per RTCPeerConnection, runs every stats report
 * through the shared normaliser, and assembles contract `TelemetryBatch`es.
 *
 * Format parsers only decode their container and feed this builder, so every
 * format gets the same events, the same quality figures and the same checks:
 * clock gaps and counter resets are flagged as notes and events.
 */
import type {
  CandidatePairSample,
  ClientInfo,
  DeviceListUpdate,
  MediaDeviceInfoLite,
  PcMetadata,
  SelectedDeviceUpdate,
  StreamSample,
  TelemetryBatch,
  TelemetryEvent,
} from '../model/telemetry.ts';
import { streamKey } from '../model/telemetry.ts';
import { normalizeStatsReport } from '../normalize/normalize-stats-report.ts';
import { canonicalCandidateType } from '../normalize/candidate-pairs.ts';
import { canonicalType } from '../normalize/stat-index.ts';
import type { RawStat } from '../normalize/types.ts';
import { interpretTrace, type TraceAction } from './api-trace.ts';
import { mergeClientInfo } from './client-info.ts';
import type { ParsedClient, PartialRecording } from './parsed-dump.ts';
import { sanitizeCandidatePair, sanitizeStreamSample } from './sanitize-telemetry.ts';
import { splitOppositeEnds } from './split-call-ends.ts';

/** Contract bounds of a timestamp (see the ingest schema): 2000-01-01 .. 2100-01-01. */
const MIN_TS = 946684800000;
const MAX_TS = 4102444800000;
const SAMPLES_PER_BATCH = 5000;
const EVENTS_PER_BATCH = 2000;
const PAIRS_PER_BATCH = 2000;
const PC_METADATA_PER_BATCH = 256;
const MAX_SDP_CHARS = 65536;
/** Events may lie this far (or the stats' own span, if longer) outside a client's stats and still set joined_at / left_at. */
const EVENT_MARGIN_MS = 2 * 60_000;

const isoTime = (ts: number): string => new Date(ts).toISOString();

/** One RTCPeerConnection as recorded. */
export class PcRecord {
  created_at?: number;
  closed_at?: number;
  first_stats?: number;
  last_stats?: number;
  stats_reports = 0;
  role?: 'sfu' | 'p2p';
  ice_servers?: string[];
  ice_transport_policy?: string;
  local_sdp?: string;
  remote_sdp?: string;
  readonly local_ufrags = new Set<string>();
  readonly remote_ufrags = new Set<string>();
  readonly local_candidate_types = new Set<string>();
  readonly local_relay_protocols = new Set<string>();
  readonly events: TelemetryEvent[] = [];
  readonly samples: StreamSample[] = [];
  /** Latest sample of every candidate pair ever reported (the store keeps one row per pair). */
  readonly pairs = new Map<string, CandidatePairSample>();
  selected_network_type?: string;
  /** Id of the pair selected in the latest report that had one. */
  selected_pair?: string;
  used_relay = false;
  readonly notes: string[] = [];
  /** Latest counters per stream, to detect resets. */
  readonly last_by_stream = new Map<string, StreamSample>();
  /** The first 30 intervals between reports: their median is the PC's usual interval. */
  readonly intervals: number[] = [];
  /** That median once all 30 are in (it no longer changes; sorting them again for every report cost more). */
  usual_interval?: number;
  readonly reset_streams = new Set<string>();

  constructor(readonly id: string) {}

  /** Epoch ms of the first and last thing known about this PC. */
  span(): [number, number] | undefined {
    const times = [
      this.created_at,
      this.closed_at,
      this.first_stats,
      this.last_stats,
      ...this.events.map((e) => e.ts),
    ].filter((t): t is number => t !== undefined);
    return times.length > 0 ? [Math.min(...times), Math.max(...times)] : undefined;
  }
}

/** One recorded client: a tab (webrtc-internals renderer process) or a whole rtcstats dump. */
export class ClientGroup {
  client: ClientInfo = {};
  readonly events: TelemetryEvent[] = [];
  readonly selected_devices: SelectedDeviceUpdate[] = [];
  readonly device_updates: DeviceListUpdate[] = [];
  readonly pcs = new Map<string, PcRecord>();
  readonly display_track_ids = new Set<string>();
  readonly desktop_ssrcs = new Set<number>();
  readonly notes: string[] = [];
  partial?: PartialRecording;
  last_devices?: MediaDeviceInfoLite[];

  constructor(readonly label: string) {}

  pc(id: string): PcRecord {
    let pc = this.pcs.get(id);
    if (!pc) this.pcs.set(id, (pc = new PcRecord(id)));
    return pc;
  }

  /** Screenshare: Chrome's `contentType`, a track captured with getDisplayMedia, or a Jitsi `desktop` source. */
  isScreenshare = (info: {
    ssrc: number;
    trackIdentifier?: string;
    contentType?: string;
  }): boolean =>
    info.contentType === 'screenshare' ||
    (info.trackIdentifier !== undefined && this.display_track_ids.has(info.trackIdentifier)) ||
    this.desktop_ssrcs.has(info.ssrc);
}

function validTs(ts: number): boolean {
  return Number.isFinite(ts) && ts >= MIN_TS && ts <= MAX_TS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `a=ice-ufrag:` values of an SDP. */
function ufrags(sdp: string): string[] {
  return [...sdp.matchAll(/a=ice-ufrag:(\S+)/g)].map((m) => m[1]);
}

/** Builds {@link ParsedClient}s from decoded dump content. */
export class RecordingBuilder {
  private readonly groups = new Map<string, ClientGroup>();
  /** Dump-level warnings. */
  readonly warnings: string[] = [];
  private droppedFields = 0;
  private skippedReports = 0;

  /** The client group `label`, created on first use (groups keep insertion order). */
  group(label: string): ClientGroup {
    let group = this.groups.get(label);
    if (!group) this.groups.set(label, (group = new ClientGroup(label)));
    return group;
  }

  /** Adds what the dump says about the client (user agent, client hints, device figures). */
  describeClient(label: string, facts: Parameters<typeof mergeClientInfo>[1]): void {
    const group = this.group(label);
    group.client = mergeClientInfo(group.client, facts);
  }

  /** Adds the same client facts to every group (webrtc-internals: one browser, several tabs). */
  describeEveryClient(facts: Parameters<typeof mergeClientInfo>[1]): void {
    for (const group of this.groups.values()) group.client = mergeClientInfo(group.client, facts);
  }

  /** Records a PC's creation time (when the format knows it outside the trace). */
  pcCreated(label: string, pcId: string, ts: number | undefined): void {
    const pc = this.group(label).pc(pcId);
    if (ts !== undefined && validTs(ts) && (pc.created_at === undefined || ts < pc.created_at))
      pc.created_at = Math.round(ts);
  }

  /** One API call or event of the recorded trace (`pcId` null for getUserMedia & co). */
  trace(label: string, pcId: string | null, method: string, value: unknown, ts: number): void {
    if (!validTs(ts)) {
      this.warnings.push(`skipped ${method} with an impossible timestamp ${ts}`);
      return;
    }
    const group = this.group(label);
    const at = Math.round(ts);
    for (const action of interpretTrace(method, value))
      this.apply(group, pcId === null ? undefined : group.pc(pcId), action, at);
  }

  private apply(
    group: ClientGroup,
    pc: PcRecord | undefined,
    action: TraceAction,
    ts: number,
  ): void {
    switch (action.kind) {
      case 'event': {
        // rtcstats also traces `close` of non-PC objects (pcId null): not a PC lifecycle event.
        if (!pc && (action.name === 'pc_closed' || action.name === 'pc_created')) return;
        const event: TelemetryEvent = { ts, name: action.name };
        if (pc) event.pc = pc.id;
        if (action.metadata && Object.keys(action.metadata).length > 0)
          event.metadata = action.metadata;
        (pc ? pc.events : group.events).push(event);
        return;
      }
      case 'create':
        if (!pc) return;
        if (pc.created_at === undefined || ts < pc.created_at) pc.created_at = ts;
        if (action.iceServers) pc.ice_servers = action.iceServers;
        if (action.iceTransportPolicy) pc.ice_transport_policy = action.iceTransportPolicy;
        return;
      case 'role':
        if (pc) pc.role = action.role;
        return;
      case 'sdp':
        if (!pc || action.sdp === '') return;
        if (action.side === 'local') {
          pc.local_sdp = action.sdp;
          for (const u of ufrags(action.sdp)) pc.local_ufrags.add(u);
        } else {
          pc.remote_sdp = action.sdp;
          for (const u of ufrags(action.sdp)) pc.remote_ufrags.add(u);
        }
        return;
      case 'candidate':
        if (pc && action.side === 'local') {
          pc.local_candidate_types.add(canonicalCandidateType(action.type) ?? action.type);
          if (action.relayProtocol) pc.local_relay_protocols.add(action.relayProtocol);
        }
        return;
      case 'close':
        if (pc) pc.closed_at = ts;
        return;
      case 'display-track':
        group.display_track_ids.add(action.id);
        return;
      case 'selected-device':
        group.selected_devices.push({ ts, device: action.device });
        return;
      case 'video-type':
        if (action.videoType === 'desktop') group.desktop_ssrcs.add(action.ssrc);
        else group.desktop_ssrcs.delete(action.ssrc);
        return;
      case 'devices':
        this.deviceList(group, action.devices, ts);
        return;
    }
  }

  private deviceList(group: ClientGroup, devices: MediaDeviceInfoLite[], ts: number): void {
    const key = (d: MediaDeviceInfoLite): string => `${d.kind}|${d.device_id ?? d.label ?? ''}`;
    const before = new Map((group.last_devices ?? []).map((d) => [key(d), d]));
    const after = new Map(devices.map((d) => [key(d), d]));
    for (const kind of ['audioinput', 'videoinput', 'audiooutput'] as const) {
      const added = [...after.values()]
        .filter((d) => d.kind === kind && !before.has(key(d)))
        .slice(0, 64);
      const removed = [...before.values()]
        .filter((d) => d.kind === kind && !after.has(key(d)))
        .slice(0, 64);
      if (added.length > 0 || removed.length > 0)
        group.device_updates.push({ ts, kind, added, removed });
    }
    group.last_devices = devices;
  }

  /**
   * One `getStats()` report of one PC: normalised with the shared normaliser,
   * checked for clock gaps and counter resets, and stored.
   */
  stats(label: string, pcId: string, ts: number, stats: RawStat[]): void {
    const group = this.group(label);
    const pc = group.pc(pcId);
    if (!validTs(ts)) {
      this.skippedReports++;
      return;
    }
    const at = Math.round(ts);
    if (pc.last_stats !== undefined) {
      const interval = at - pc.last_stats;
      if (interval <= 0) {
        // Same or earlier time than the previous report: a clock step or a duplicated report.
        if (interval < 0)
          this.notePc(
            pc,
            `clock went back ${-interval} ms at ${isoTime(at)}; that stats report was skipped`,
          );
        this.skippedReports++;
        return;
      }
      if (pc.intervals.length >= 2) {
        const usual = pc.usual_interval ?? median(pc.intervals);
        if (interval > 3 * usual && interval - usual > 5000) {
          this.notePc(
            pc,
            `no stats for ${Math.round(interval / 1000)} s (${isoTime(pc.last_stats)} to ${isoTime(at)}); figures in this gap are interpolated by the counters`,
          );
          pc.events.push({
            ts: at,
            name: 'stats_gap',
            pc: pc.id,
            metadata: { from: pc.last_stats, to: at, seconds: Math.round(interval / 1000) },
          });
        }
      }
      if (pc.intervals.length < 30) {
        pc.intervals.push(interval);
        if (pc.intervals.length === 30) pc.usual_interval = median(pc.intervals);
      }
    }
    pc.first_stats ??= at;
    pc.last_stats = at;
    pc.stats_reports++;

    for (const stat of stats) {
      if (canonicalType(stat) === 'local-candidate') {
        const type = canonicalCandidateType(stat.candidateType);
        if (type) pc.local_candidate_types.add(type);
        if (typeof stat.relayProtocol === 'string')
          pc.local_relay_protocols.add(stat.relayProtocol);
      }
    }
    const normalized = normalizeStatsReport(
      { pc: pc.id, ts: at, stats },
      { screenshare: group.isScreenshare },
    );
    for (const sample of normalized.samples) {
      const dropped = sanitizeStreamSample(sample);
      if (dropped < 0) continue;
      this.droppedFields += dropped;
      this.checkReset(pc, sample);
      // A field dropped with `delete` leaves the object in V8's slow hash-table layout: a copy is fast again
      // (see streamSamples).
      pc.samples.push(dropped > 0 ? { ...sample } : sample);
    }
    for (const pair of normalized.candidate_pairs) {
      this.droppedFields += sanitizeCandidatePair(pair);
      pc.pairs.set(pair.id, pair);
      if (!pair.selected) continue;
      if (pair.local?.candidate_type === 'relay' || pair.remote?.candidate_type === 'relay')
        pc.used_relay = true;
      if (pair.local?.network_type) pc.selected_network_type = pair.local.network_type;
      if (pc.selected_pair !== pair.id) {
        const metadata: Record<string, string | number | boolean | null> = { pair: pair.id };
        if (pair.local?.candidate_type) metadata.local_type = pair.local.candidate_type;
        if (pair.remote?.candidate_type) metadata.remote_type = pair.remote.candidate_type;
        if (pair.local?.protocol) metadata.protocol = pair.local.protocol;
        if (pair.local?.relay_protocol) metadata.relay_protocol = pair.local.relay_protocol;
        if (pair.local?.relay_protocol_inferred) metadata.relay_protocol_inferred = true;
        pc.events.push({ ts: at, name: 'selected_candidate_pair_change', pc: pc.id, metadata });
        pc.selected_pair = pair.id;
      }
    }
  }

  /** The latest sample of every pair; only the pair selected last is flagged `selected` (history is in the events). */
  private finalPairs(pc: PcRecord): CandidatePairSample[] {
    return [...pc.pairs.values()].map((pair) =>
      pair.selected && pair.id !== pc.selected_pair ? { ...pair, selected: false } : pair,
    );
  }

  private checkReset(pc: PcRecord, sample: StreamSample): void {
    const key = streamKey(sample);
    const last = pc.last_by_stream.get(key);
    pc.last_by_stream.set(key, sample);
    if (!last) return;
    const wentBack = (a?: number, b?: number): boolean =>
      a !== undefined && b !== undefined && b < a;
    if (!wentBack(last.packets, sample.packets) && !wentBack(last.bytes, sample.bytes)) return;
    const codecChange =
      last.codec !== sample.codec ? ` (codec ${last.codec ?? '?'} -> ${sample.codec ?? '?'})` : '';
    const metadata: Record<string, string | number | boolean | null> = {
      ssrc: sample.ssrc,
      direction: sample.direction,
      media: sample.media,
    };
    if (last.codec) metadata.codec_before = last.codec;
    if (sample.codec) metadata.codec_after = sample.codec;
    pc.events.push({ ts: sample.ts, name: 'stats_counter_reset', pc: pc.id, metadata });
    if (!pc.reset_streams.has(key)) {
      pc.reset_streams.add(key);
      this.notePc(
        pc,
        `cumulative counters of ${sample.media} ${sample.direction} ssrc ${sample.ssrc} restarted from zero at ${isoTime(sample.ts)}${codecChange}; totals count both segments`,
      );
    }
  }

  private notePc(pc: PcRecord, text: string): void {
    if (pc.notes.length < 50) pc.notes.push(`${pc.id}: ${text}`);
  }

  /** A client-level note. */
  note(label: string, text: string): void {
    this.group(label).notes.push(text);
  }

  /** Marks a client's recording as incomplete before `complete_from`. */
  markPartial(label: string, partial: PartialRecording): void {
    const group = this.group(label);
    if (!group.partial || partial.complete_from > group.partial.complete_from)
      group.partial = partial;
  }

  /** True when nothing at all was recorded. */
  isEmpty(): boolean {
    return [...this.groups.values()].every(
      (g) => g.pcs.size === 0 && g.events.length === 0 && g.selected_devices.length === 0,
    );
  }

  /** The recorded clients, with their batches. */
  build(): ParsedClient[] {
    if (this.droppedFields > 0)
      this.warnings.push(
        `${this.droppedFields} out-of-range stats values (negative or non-finite) were dropped`,
      );
    if (this.skippedReports > 0)
      this.warnings.push(
        `${this.skippedReports} stats reports with impossible or repeated timestamps were skipped`,
      );
    const clients: ParsedClient[] = [];
    for (const group of this.groups.values()) {
      const pcs = [...group.pcs.values()].filter(
        (pc) => pc.span() !== undefined || pc.samples.length > 0,
      );
      const ends = splitOppositeEnds(pcs);
      if (ends.length > 1) {
        group.notes.push(
          `this tab recorded both ends of a call (${ends.map((e) => e.map((pc) => pc.id).join('+')).join(' <-> ')}); each end is imported as its own peer`,
        );
      }
      ends.forEach((endPcs, i) => {
        const client = this.buildClient(
          group,
          endPcs,
          ends.length > 1 ? `${group.label} / end ${i + 1}` : group.label,
        );
        if (client) clients.push(client);
      });
    }
    return clients;
  }

  private buildClient(
    group: ClientGroup,
    pcs: PcRecord[],
    label: string,
  ): ParsedClient | undefined {
    const times: number[] = [
      ...group.events.map((e) => e.ts),
      ...group.selected_devices.map((d) => d.ts),
      ...group.device_updates.map((d) => d.ts),
    ];
    for (const pc of pcs) {
      const span = pc.span();
      if (span) times.push(...span);
    }
    if (times.length === 0) return undefined;
    const notes = [...group.notes];
    const [joined_at, left_at] = this.supportedSpan(pcs, times, notes);
    if (pcs.length === 0)
      notes.push(
        'the dump holds no peer connections: only getUserMedia/device information was imported',
      );
    for (const pc of pcs) {
      notes.push(...pc.notes);
      if (pc.stats_reports === 0)
        notes.push(`${pc.id}: no stats were recorded for this peer connection`);
    }

    const events = [...group.events, ...pcs.flatMap((pc) => pc.events)].sort((a, b) => a.ts - b.ts);
    const samples = pcs.flatMap((pc) => pc.samples).sort((a, b) => a.ts - b.ts);
    const pairs = pcs.flatMap((pc) => this.finalPairs(pc));
    const pcMetadata = pcs.map((pc) => this.pcMetadata(pc, joined_at));

    const batches: TelemetryBatch[] = [];
    let n = 0;
    const nextId = (): string => `import-${String(++n).padStart(6, '0')}`;
    const first: TelemetryBatch = { batch_id: nextId(), client: group.client };
    if (pcMetadata.length > 0) first.pc_metadata = pcMetadata.slice(0, PC_METADATA_PER_BATCH);
    if (group.selected_devices.length > 0)
      first.selected_devices = group.selected_devices.slice(0, 256);
    if (group.device_updates.length > 0) first.device_updates = group.device_updates.slice(0, 256);
    batches.push(first);
    for (let i = PC_METADATA_PER_BATCH; i < pcMetadata.length; i += PC_METADATA_PER_BATCH) {
      batches.push({
        batch_id: nextId(),
        pc_metadata: pcMetadata.slice(i, i + PC_METADATA_PER_BATCH),
      });
    }
    const chunks = Math.max(
      Math.ceil(samples.length / SAMPLES_PER_BATCH),
      Math.ceil(events.length / EVENTS_PER_BATCH),
    );
    for (let i = 0; i < chunks; i++) {
      const batch: TelemetryBatch = { batch_id: nextId() };
      const s = samples.slice(i * SAMPLES_PER_BATCH, (i + 1) * SAMPLES_PER_BATCH);
      const e = events.slice(i * EVENTS_PER_BATCH, (i + 1) * EVENTS_PER_BATCH);
      if (s.length > 0) batch.samples = s;
      if (e.length > 0) batch.events = e;
      batches.push(batch);
    }
    for (let i = 0; i < pairs.length; i += PAIRS_PER_BATCH) {
      batches.push({ batch_id: nextId(), candidate_pairs: pairs.slice(i, i + PAIRS_PER_BATCH) });
    }
    const client: ParsedClient = {
      label,
      client: group.client,
      joined_at,
      left_at,
      batches,
      pcs: pcs.map((pc) => pc.id),
      notes,
    };
    if (group.partial) client.partial = group.partial;
    return client;
  }

  /**
   * `joined_at` / `left_at` of a client: the span of everything it recorded,
   * except that events far outside its stats (more than the stats' own span,
   * and at least {@link EVENT_MARGIN_MS}) do not stretch it: such a time is on
   * another clock (a misread zone, a swapped day and month, a rewritten
   * record), not telemetry. The events themselves are kept, and a note says so.
   */
  private supportedSpan(pcs: PcRecord[], times: number[], notes: string[]): [number, number] {
    const statsTimes = pcs.flatMap((pc) =>
      pc.first_stats !== undefined && pc.last_stats !== undefined
        ? [pc.first_stats, pc.last_stats]
        : [],
    );
    if (statsTimes.length === 0) return [Math.min(...times), Math.max(...times)];
    const from = Math.min(...statsTimes);
    const to = Math.max(...statsTimes);
    const margin = Math.max(EVENT_MARGIN_MS, to - from);
    const supported = times.filter((t) => t >= from - margin && t <= to + margin);
    const outside = times.length - supported.length;
    if (outside > 0) {
      notes.push(
        `${outside} recorded time${outside > 1 ? 's lie' : ' lies'} more than ${Math.round(margin / 1000)} s outside the stats (${isoTime(from)} to ${isoTime(to)}); ` +
          'joined_at and left_at follow the stats there: those times are on another clock than the stats (their events are kept as recorded)',
      );
    }
    return [Math.min(from, ...supported), Math.max(to, ...supported)];
  }

  private pcMetadata(pc: PcRecord, fallbackTs: number): PcMetadata {
    const meta: PcMetadata = { ts: pc.created_at ?? pc.span()?.[0] ?? fallbackTs, pc: pc.id };
    if (pc.role) meta.role = pc.role;
    if (pc.ice_servers) meta.ice_servers = pc.ice_servers;
    if (pc.ice_transport_policy) meta.ice_transport_policy = pc.ice_transport_policy;
    if (pc.selected_network_type) meta.effective_network_type = pc.selected_network_type;
    if (pc.local_candidate_types.size > 0) {
      meta.reflexive_connectivity = pc.local_candidate_types.has('srflx');
      meta.relay_connectivity = pc.local_candidate_types.has('relay');
    }
    if (pc.pairs.size > 0) meta.turn_connectivity = pc.used_relay;
    const sdp = [pc.local_sdp, pc.remote_sdp]
      .filter((s): s is string => s !== undefined)
      .map((s) => s.slice(0, MAX_SDP_CHARS));
    if (sdp.length > 0) meta.sdp = sdp;
    return meta;
  }
}

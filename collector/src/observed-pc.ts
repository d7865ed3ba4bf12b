/**
 * One RTCPeerConnection given to `observe()`: its state-change events, the
 * candidate types it gathered, ICE restarts, and its `PcMetadata`.
 */
import type { CandidatePairSample, PcMetadata, TelemetryEvent } from '../../src/model/telemetry.ts';
import { PairFilter } from './pair-filter.ts';
import { TrackWatch } from './track-watch.ts';

/** How the app describes a connection to `observe()`. */
export interface ObserveOptions {
  /** Stable id of this connection in the report (default `pc-1`, `pc-2`, ...). */
  id?: string;
  /** Where it goes, e.g. `sfu` or `p2p` (reported in `pc_metadata.role`). */
  role?: string;
  /** Remote peer id stamped on this connection's samples (both directions) and its `pc_metadata` (P2P calls). */
  remotePeerId?: string;
  /** Also report the local and remote SDP in `pc_metadata.sdp` (off by default: several KB each). */
  includeSdp?: boolean;
}

/** Where an observed connection reports to. */
export interface PcSink {
  event(e: TelemetryEvent): void;
  metadata(m: PcMetadata): void;
}

type Scalar = string | number | boolean | null;
const STATES = [
  ['connectionstatechange', 'connectionState', 'connection_state_change'],
  ['iceconnectionstatechange', 'iceConnectionState', 'ice_connection_state_change'],
  ['icegatheringstatechange', 'iceGatheringState', 'ice_gathering_state_change'],
  ['signalingstatechange', 'signalingState', 'signaling_state_change'],
] as const;

function ufragOf(sdp: string | undefined): string | undefined {
  return sdp ? /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] : undefined;
}

/** Listens to one connection; `detach()` removes every listener. */
export class ObservedPc {
  readonly pairs = new PairFilter();
  /** Candidate types (`host`, `srflx`, `relay`, ...) gathered locally. */
  readonly localTypes = new Set<string>();
  /** Sent and received tracks: ended / muted / enabled changes. */
  readonly tracks = new TrackWatch((name, metadata) => this.emit(name, metadata));
  private readonly off: (() => void)[] = [];
  private readonly last: Record<string, string> = {};
  private selected: string | undefined;
  private ufrag: string | undefined;
  private metaSig = '';
  private turn = false;

  constructor(
    readonly pc: RTCPeerConnection,
    readonly id: string,
    readonly opts: ObserveOptions,
    private readonly sink: PcSink,
  ) {
    for (const [type, prop, name] of STATES) {
      this.last[prop] = String(pc[prop]);
      this.on(type, () => {
        const state = String(pc[prop]);
        if (state === this.last[prop]) return;
        this.emit(name, { state, previous: this.last[prop] });
        this.last[prop] = state;
        if (prop === 'signalingState' && state === 'stable') this.checkIceRestart();
        if (prop === 'iceGatheringState' || prop === 'connectionState') this.updateMetadata();
      });
    }
    this.on('icecandidate', (e) => {
      const type = (e as RTCPeerConnectionIceEvent).candidate?.type;
      if (type) this.localTypes.add(type);
    });
    this.on('icecandidateerror', (e) => {
      const err = e as RTCPeerConnectionIceErrorEvent;
      this.emit('ice_candidate_error', {
        url: err.url ?? null,
        error_code: err.errorCode ?? null,
        error_text: (err.errorText ?? '').slice(0, 256),
      });
    });
    this.on('track', (e) => {
      const t = (e as RTCTrackEvent).track;
      this.emit('track_added', {
        kind: t.kind,
        track_id: t.id,
        mid: (e as RTCTrackEvent).transceiver?.mid ?? null,
      });
    });
    this.ufrag = ufragOf(pc.localDescription?.sdp);
    this.emit('pc_observed', {
      connection_state: this.last.connectionState,
      ice_connection_state: this.last.iceConnectionState,
    });
    this.updateMetadata();
  }

  private on(type: string, fn: (e: Event) => void): void {
    const handler = (e: Event) => {
      try {
        fn(e);
      } catch {
        // Never let a telemetry listener throw into the app.
      }
    };
    this.pc.addEventListener(type, handler);
    this.off.push(() => this.pc.removeEventListener(type, handler));
  }

  private emit(name: string, metadata: Record<string, Scalar>): void {
    this.sink.event({ ts: Date.now(), name, pc: this.id, metadata });
  }

  private checkIceRestart(): void {
    const ufrag = ufragOf(this.pc.localDescription?.sdp);
    if (ufrag && this.ufrag && ufrag !== this.ufrag) {
      this.emit('ice_restart', {});
      this.metaSig = '';
    }
    this.ufrag = ufrag ?? this.ufrag;
    this.updateMetadata();
  }

  /** Learns from one normalised report: gathered candidate types and the selected pair. */
  noteStats(localCandidateTypes: string[], pairs: CandidatePairSample[]): void {
    for (const t of localCandidateTypes) this.localTypes.add(t);
    const sel = pairs.find((p) => p.selected);
    if (sel && sel.id !== this.selected) {
      this.emit('selected_candidate_pair_change', {
        pair_id: sel.id,
        previous: this.selected ?? null,
        local_candidate_type: sel.local?.candidate_type ?? null,
        remote_candidate_type: sel.remote?.candidate_type ?? null,
        protocol: sel.local?.protocol ?? null,
        relay_protocol: sel.local?.relay_protocol ?? null,
        relay_protocol_inferred: sel.local?.relay_protocol_inferred ?? false,
      });
      this.selected = sel.id;
      this.turn = sel.local?.candidate_type === 'relay' || sel.remote?.candidate_type === 'relay';
    }
    this.updateMetadata();
  }

  /** Emits `PcMetadata` when anything in it changed. */
  updateMetadata(): void {
    const pc = this.pc;
    let config: RTCConfiguration = {};
    try {
      config = pc.getConfiguration();
    } catch {
      // closed connection
    }
    const meta: PcMetadata = { ts: 0, pc: this.id };
    const nt = (navigator as unknown as { connection?: { effectiveType?: string } }).connection
      ?.effectiveType;
    if (nt) meta.effective_network_type = nt;
    meta.reflexive_connectivity = this.localTypes.has('srflx');
    meta.relay_connectivity = this.localTypes.has('relay');
    meta.turn_connectivity = this.turn;
    if (this.opts.role) meta.role = this.opts.role;
    if (this.opts.remotePeerId) meta.remote_peer_id = this.opts.remotePeerId.slice(0, 256);
    const urls = (config.iceServers ?? []).flatMap((s) =>
      Array.isArray(s.urls) ? s.urls : [s.urls],
    );
    if (urls.length) meta.ice_servers = urls.slice(0, 32).map((u) => String(u).slice(0, 1024));
    if (config.iceTransportPolicy) meta.ice_transport_policy = config.iceTransportPolicy;
    if (this.opts.includeSdp) {
      const sdp = [pc.localDescription?.sdp, pc.remoteDescription?.sdp].filter(
        (s): s is string => !!s,
      );
      if (sdp.length) meta.sdp = sdp.map((s) => s.slice(0, 65536));
    }
    const sig = JSON.stringify(meta);
    if (sig === this.metaSig) return;
    this.metaSig = sig;
    meta.ts = Date.now();
    this.sink.metadata(meta);
  }

  /** Whether the connection was closed (`close()` fires no event, so this is polled). */
  get isClosed(): boolean {
    return this.pc.signalingState === 'closed';
  }

  detach(): void {
    for (const off of this.off.splice(0)) off();
  }
}

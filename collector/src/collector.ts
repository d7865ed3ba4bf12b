/**
 * The browser collector: joins as a peer, samples `getStats()` of every
 * connection it is given, normalises the reports with the shared normaliser,
 * and uploads batches. No public method throws or rejects into the host app.
 */
import type {
  PrecallResult,
  MediaDeviceInfoLite,
  StreamSample,
  TelemetryBatch,
  TelemetryEvent,
} from '../../src/model/telemetry.ts';
import { normalizeStatsReport } from '../../src/normalize/normalize-stats-report.ts';
import type { ScreenshareProbe } from '../../src/normalize/types.ts';
import { patchPeerConnection } from './auto-observe.ts';
import { BatchBuffer } from './batch-buffer.ts';
import { collectClientInfo, type SdkInfo } from './client-info.ts';
import { deviceLite } from './device-diff.ts';
import { DeviceWatcher } from './devices.ts';
import { uuid } from './ids.ts';
import { trimNumbers } from './trim-numbers.ts';
import { ObservedPc, type ObserveOptions } from './observed-pc.ts';
import { Uploader, type BatchAck, type JoinResult, type UploadStats } from './uploader.ts';
import { SDK_NAME, SDK_VERSION } from './version.ts';

/** Options of a collector. Only `server` and `token` are required. */
export interface CollectorOptions {
  /** Base URL of the peer-report server, e.g. `https://reports.example.com`. */
  server: string;
  /** Participant token from `meetings.addParticipant` (`data.token`). */
  token: string;
  /** How often every observed connection is sampled, ms (default 2000). */
  sampleIntervalMs?: number;
  /** How often buffered telemetry is uploaded, ms (default 10000). */
  batchIntervalMs?: number;
  /** A precall test result to send with the join (see `runPrecallTest`). */
  precall?: PrecallResult;
  /** Patch `window.RTCPeerConnection` so that every new connection is observed (default false). */
  autoObserve?: boolean;
  /** Report the media device list and its changes (default true). */
  watchDevices?: boolean;
  /** Send the final batch and leave when the page is unloaded (default true). */
  leaveOnPageHide?: boolean;
  /** Overrides of what the SDK reports about itself (`sdk_name`, `sdk_version`, `sdk_type`, `room_view_type`). */
  sdk?: SdkInfo;
  /** Retry backoff: first delay and cap, ms (defaults 1000 and 30000). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Unacknowledged batches kept while the server is unreachable (default 120); the oldest are dropped beyond. */
  maxQueuedBatches?: number;
  /** Abort a request that takes longer than this, ms (default 15000). */
  requestTimeoutMs?: number;
  /** A batch answered with the same server error (5xx but 503) this many times in a row is given up (default 5). */
  maxServerErrorAttempts?: number;
  /** Called on errors the collector swallowed (it never throws into the app). */
  onError?: (error: CollectorError) => void;
  /** Called for every batch the server acknowledged. */
  onBatch?: (ack: BatchAck, batch: TelemetryBatch) => void;
  /** Called when the server had closed the peer (e.g. after a long network cut) and the collector joined again as a new peer. */
  onRejoin?: (current: JoinResult, previous: JoinResult) => void;
}

/** An error the collector reported instead of throwing. */
export interface CollectorError {
  code: string;
  message: string;
  status?: number;
}

/** App-level facts about one track (local or remote), by track id. */
export interface TrackInfo {
  producer_id?: string;
  consumer_id?: string;
  remote_peer_id?: string;
  /** The track carries screenshare (remote tracks cannot be recognised otherwise). */
  screenshare?: boolean;
}

/** Counters for debugging and benchmarks. */
export interface CollectorStats extends UploadStats {
  peer_id?: string;
  /** Sampling rounds done, and stream samples produced. */
  rounds: number;
  samples: number;
  /** Average wall time of a round (including waiting for `getStats()`), ms. */
  round_ms_avg: number;
  /** Average main-thread time spent normalising per round (excluding `getStats()`), ms. */
  normalize_ms_avg: number;
  pending_batches: number;
}

type Scalar = string | number | boolean | null;

/** Collects and uploads the telemetry of one peer. */
export class PeerReportCollector {
  private readonly o: CollectorOptions;
  private readonly buffer = new BatchBuffer();
  private readonly uploader: Uploader;
  private readonly pcs = new Map<RTCPeerConnection, ObservedPc>();
  private readonly tracks = new Map<string, TrackInfo>();
  private readonly screenTracks = new Set<string>();
  private readonly selectedByKind = new Map<string, string>();
  private readonly devices: DeviceWatcher;
  private joining: Promise<JoinResult | null> | undefined;
  private leaving: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unpatch: (() => void) | undefined;
  private lastFlush = Date.now();
  private pcCount = 0;
  private rounds = 0;
  private samples = 0;
  private roundMs = 0;
  private normalizeMs = 0;
  private stopped = false;
  private sampling: Promise<void> = Promise.resolve();
  private leaveReason: string | undefined;

  constructor(options: CollectorOptions) {
    this.o = options;
    this.uploader = new Uploader({
      server: options.server,
      token: options.token,
      retryBaseMs: options.retryBaseMs ?? 1000,
      retryMaxMs: options.retryMaxMs ?? 30_000,
      maxQueuedBatches: options.maxQueuedBatches ?? 120,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      maxServerErrorAttempts: options.maxServerErrorAttempts,
      onError: (code, message, status) => this.error(code, message, status),
      onAck: (ack, batch) => this.safe(() => this.o.onBatch?.(ack, batch)),
      onRejoin: (previous, current) =>
        this.safe(() => {
          this.buffer.events.push({
            ts: Date.now(),
            name: 'rejoined',
            metadata: { previous_peer_id: previous.peer_id },
          });
          this.o.onRejoin?.(current, previous);
        }),
    });
    this.devices = new DeviceWatcher((updates) => this.buffer.device_updates.push(...updates));
  }

  /** The peer id once the join succeeded. */
  get peerId(): string | undefined {
    return this.uploader.peer?.peer_id;
  }

  private error(code: string, message: string, status?: number): void {
    this.safe(() => this.o.onError?.({ code, message, status }));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (this.o.onError) {
        try {
          this.o.onError({ code: 'internal', message: String(e) });
        } catch {
          // the app's own error handler threw: nothing left to tell
        }
      }
    }
  }

  /**
   * Joins (creating the peer) and starts sampling. Resolves to the join
   * result, or `null` when the server refused the token; it retries network
   * errors until it gets through or `leave()` is called. Never rejects.
   */
  start(): Promise<JoinResult | null> {
    if (this.joining) return this.joining;
    if (this.leaving) return Promise.resolve(null);
    this.joining = (async () => {
      try {
        if (typeof window !== 'undefined') {
          window.addEventListener('pagehide', this.onPageHide);
          document.addEventListener('visibilitychange', this.onVisibility);
        }
        if (this.o.autoObserve) this.unpatch = patchPeerConnection((pc) => this.observe(pc));
        if (this.o.watchDevices !== false) this.devices.start();
        this.schedule();
        const client = await collectClientInfo({
          sdk_name: SDK_NAME,
          sdk_version: SDK_VERSION,
          sdk_type: 'web',
          ...this.o.sdk,
        });
        const joined = await this.uploader.join({
          client,
          precall: this.o.precall,
          joined_at: Date.now(),
        });
        if (!joined) {
          this.stop();
          this.removePageListeners();
        }
        return joined ?? null;
      } catch (e) {
        this.error('internal', String(e));
        return null;
      }
    })();
    return this.joining;
  }

  /** Starts sampling `pc` (call it for every connection the app creates). Returns the id used in the report. */
  observe(pc: RTCPeerConnection, options: ObserveOptions = {}): string {
    const known = this.pcs.get(pc);
    if (known) return known.id;
    const id = (options.id ?? `pc-${++this.pcCount}`).slice(0, 128);
    if (this.stopped) return id;
    this.safe(() => {
      this.pcs.set(
        pc,
        new ObservedPc(pc, id, options, {
          event: (e) => this.buffer.events.push(e),
          metadata: (m) => this.buffer.pc_metadata.push(m),
        }),
      );
      void this.devices.refresh();
    });
    return id;
  }

  /** Takes a last sample of `pc` (unless it is already closed) and stops observing it. Call it before `pc.close()`. */
  async unobserve(pc: RTCPeerConnection): Promise<void> {
    const o = this.pcs.get(pc);
    if (!o) return;
    this.sampling = this.sampling.then(() =>
      this.sampleOne(o).then(
        () => {},
        () => {},
      ),
    );
    await this.sampling;
    o.detach();
    this.pcs.delete(pc);
  }

  /** Tells the collector app-level ids of a track, or that it is screenshare. */
  describeTrack(track: MediaStreamTrack | string, info: TrackInfo): void {
    this.safe(() => {
      const id = typeof track === 'string' ? track : track.id;
      this.tracks.set(id, { ...this.tracks.get(id), ...info });
    });
  }

  /** Records that the app selected a device (microphone, camera or speaker). */
  selectDevice(device: MediaDeviceInfo | { deviceId: string; kind: string; label?: string }): void {
    this.safe(() => {
      const lite = this.devices.find(device.deviceId) ?? deviceLite(device);
      this.selectedByKind.set(device.kind, device.deviceId);
      this.buffer.selected_devices.push({ ts: Date.now(), device: lite });
    });
  }

  /** Records an app event (e.g. `mute`, `screenshare_started`), optionally tied to a connection. */
  addEvent(name: string, metadata?: Record<string, Scalar>, pc?: RTCPeerConnection): void {
    this.safe(() => {
      const event: TelemetryEvent = { ts: Date.now(), name: name.slice(0, 64) };
      const o = pc && this.pcs.get(pc);
      if (o) event.pc = o.id;
      if (metadata) {
        // The server refuses a whole batch over one bad field: keep app data within its limits.
        const clean: Record<string, Scalar> = {};
        for (const [k, v] of Object.entries(metadata)) {
          if (v === null || typeof v === 'number' || typeof v === 'boolean')
            clean[k.slice(0, 64)] = v;
          else if (typeof v === 'string') clean[k.slice(0, 64)] = v.slice(0, 2048);
        }
        event.metadata = clean;
      }
      this.buffer.events.push(event);
    });
  }

  /** Sends a precall result (when it was not available at start). */
  setPrecall(result: PrecallResult): void {
    this.buffer.precall = result;
  }

  private readonly isScreenshare = (p: ScreenshareProbe): boolean =>
    p.contentType === 'screenshare' ||
    (p.trackIdentifier !== undefined &&
      (this.screenTracks.has(p.trackIdentifier) ||
        this.tracks.get(p.trackIdentifier)?.screenshare === true));

  /** Selected devices and screen tracks, read from the local tracks being sent (track state: track-watch.ts). */
  private checkSenders(o: ObservedPc): void {
    for (const sender of o.pc.getSenders()) {
      const track = sender.track;
      if (!track) continue;
      const settings = track.getSettings?.() ?? {};
      if ((settings as { displaySurface?: string }).displaySurface) this.screenTracks.add(track.id);
      else if (settings.deviceId) {
        const kind = track.kind === 'audio' ? 'audioinput' : 'videoinput';
        if (this.selectedByKind.get(kind) !== settings.deviceId) {
          this.selectedByKind.set(kind, settings.deviceId);
          const device: MediaDeviceInfoLite =
            this.devices.find(settings.deviceId) ??
            deviceLite({ deviceId: settings.deviceId, kind, label: track.label });
          this.buffer.selected_devices.push({ ts: Date.now(), device });
        }
      }
    }
    o.tracks.poll(o.pc);
  }

  private async sampleOne(o: ObservedPc): Promise<number> {
    if (o.isClosed) {
      this.buffer.events.push({ ts: Date.now(), name: 'pc_closed', pc: o.id });
      o.detach();
      this.pcs.delete(o.pc);
      return 0;
    }
    this.checkSenders(o);
    const report = await o.pc.getStats();
    const t0 = performance.now();
    const n = normalizeStatsReport(
      { pc: o.id, ts: Date.now(), stats: report },
      { screenshare: this.isScreenshare },
    );
    const localTypes: string[] = [];
    report.forEach((s: { type?: string; candidateType?: string }) => {
      if (s.type === 'local-candidate' && s.candidateType) localTypes.push(s.candidateType);
    });
    o.noteStats(localTypes, n.candidate_pairs);
    for (const s of n.samples) trimNumbers(this.tag(s, o));
    this.buffer.samples.push(...n.samples);
    this.buffer.candidate_pairs.push(...o.pairs.pick(n.candidate_pairs).map(trimNumbers));
    this.samples += n.samples.length;
    return performance.now() - t0;
  }

  private tag(s: StreamSample, o: ObservedPc): StreamSample {
    // The connection's remote peer, on outgoing samples too: in a mesh it says which copy of a stream goes to whom.
    if (o.opts.remotePeerId) s.remote_peer_id = o.opts.remotePeerId;
    if (o.tracks.isEnded(s)) s.track_ended = true;
    const info = s.track_id !== undefined ? this.tracks.get(s.track_id) : undefined;
    if (info?.producer_id) s.producer_id = info.producer_id;
    if (info?.consumer_id) s.consumer_id = info.consumer_id;
    if (info?.remote_peer_id) s.remote_peer_id = info.remote_peer_id;
    return s;
  }

  /** Samples every observed connection now (after a round in progress, never overlapping it). Never rejects. */
  sample(): Promise<void> {
    this.sampling = this.sampling.then(() => this.round());
    return this.sampling;
  }

  private async round(): Promise<void> {
    const t0 = performance.now();
    let sync = 0;
    await Promise.all(
      [...this.pcs.values()].map((o) =>
        this.sampleOne(o).then(
          (ms) => void (sync += ms),
          (e) => this.error('sample_failed', String(e)),
        ),
      ),
    );
    this.rounds++;
    this.roundMs += performance.now() - t0;
    this.normalizeMs += sync;
  }

  /** Moves everything buffered into the upload queue now. */
  flush(): void {
    this.flushBuffer(false);
  }

  /** With `heartbeat`, an empty batch is sent when nothing is buffered, so the server does not time the peer out. */
  private flushBuffer(heartbeat: boolean): void {
    this.safe(() => {
      this.lastFlush = Date.now();
      const batch = this.buffer.take() ?? (heartbeat ? { batch_id: uuid() } : undefined);
      if (batch) this.uploader.enqueue(batch);
    });
  }

  /** The batch interval, kept well under the server's peer timeout. */
  private batchInterval(): number {
    const timeoutS = this.uploader.peer?.heartbeat_timeout_s;
    const wanted = this.o.batchIntervalMs ?? 10_000;
    return timeoutS ? Math.min(wanted, (timeoutS * 1000) / 3) : wanted;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.sample();
      if (Date.now() - this.lastFlush >= this.batchInterval() || this.buffer.size > 1000)
        this.flushBuffer(true);
      this.schedule();
    }, this.o.sampleIntervalMs ?? 2000);
  }

  private readonly onPageHide = (e: PageTransitionEvent) =>
    this.safe(() => {
      if (this.uploader.closed) return;
      this.flush();
      const leave = !e.persisted && this.o.leaveOnPageHide !== false;
      // Also while leave() is still draining: the page will not wait for it.
      this.uploader.pageHide(leave ? (this.leaveReason ?? 'page_hide') : undefined);
      if (leave) {
        this.stop();
        this.removePageListeners();
      }
    });

  private readonly onVisibility = () => {
    if (document.visibilityState === 'hidden') this.flush();
  };

  /** Stops sampling and connection/device listeners (the uploader and the page listeners are left as they are). */
  private stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.devices.stop();
    this.unpatch?.();
    for (const o of this.pcs.values()) o.detach();
    this.pcs.clear();
  }

  private removePageListeners(): void {
    if (typeof window === 'undefined') return;
    window.removeEventListener('pagehide', this.onPageHide);
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  /**
   * Takes a last sample, uploads everything still buffered (waiting up to
   * `drainTimeoutMs`, default 5000), then leaves: the server closes the peer.
   * Never rejects.
   */
  leave(reason = 'left', drainTimeoutMs = 5000): Promise<void> {
    if (!this.leaving) {
      this.leaving = (async () => {
        try {
          if (this.timer !== undefined) clearTimeout(this.timer);
          this.timer = undefined;
          this.leaveReason = reason.slice(0, 256);
          if (!this.stopped) await this.sample();
          this.flush();
          this.stop();
          await this.uploader.leave(this.leaveReason, drainTimeoutMs);
          this.removePageListeners();
        } catch (e) {
          this.error('internal', String(e));
        }
      })();
    }
    return this.leaving;
  }

  /** Counters for debugging and benchmarks. */
  stats(): CollectorStats {
    return {
      ...this.uploader.stats,
      peer_id: this.peerId,
      rounds: this.rounds,
      samples: this.samples,
      round_ms_avg: this.rounds ? this.roundMs / this.rounds : 0,
      normalize_ms_avg: this.rounds ? this.normalizeMs / this.rounds : 0,
      pending_batches: this.uploader.pending,
    };
  }
}

/** Creates a collector and starts it (join + sampling) without waiting for the join. */
export function startCollector(options: CollectorOptions): PeerReportCollector {
  const collector = new PeerReportCollector(options);
  void collector.start();
  return collector;
}

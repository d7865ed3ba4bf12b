/**
 * The state of every track one connection sends or receives, polled at each
 * sampling round: `track.stop()` fires no event and `enabled` has none, so
 * events alone would miss a stopped camera. Changes become events
 * (`track_ended`, `track_muted`, `track_unmuted`, `track_enabled`,
 * `track_disabled`, with kind, track id, direction and mid), and ended tracks
 * are remembered so their samples say `track_ended`.
 */
import type { StreamSample } from '../../src/model/telemetry.ts';

type Scalar = string | number | boolean | null;
interface TrackState {
  enabled: boolean;
  muted: boolean;
  ended: boolean;
}

/** Watches the tracks of one connection's transceivers. */
export class TrackWatch {
  private readonly states = new Map<string, TrackState>();
  private readonly endedIds = new Set<string>();
  /** `direction|mid` of the transceivers whose current track has ended (as of the last poll). */
  private endedMids = new Set<string>();

  constructor(private readonly emit: (name: string, metadata: Record<string, Scalar>) => void) {}

  /** Reads every transceiver's tracks and emits what changed since the last poll. */
  poll(pc: RTCPeerConnection): void {
    const endedMids = new Set<string>();
    // Plan B browsers (Chrome < 72) have no transceivers: no track state then, rather than a failed round.
    if (typeof pc.getTransceivers !== 'function') return;
    for (const t of pc.getTransceivers()) {
      this.check(t.sender.track, 'send', t.mid, endedMids);
      this.check(t.receiver.track, 'recv', t.mid, endedMids);
    }
    this.endedMids = endedMids;
  }

  private check(
    track: MediaStreamTrack | null,
    direction: 'send' | 'recv',
    mid: string | null,
    endedMids: Set<string>,
  ): void {
    if (!track) return;
    const now: TrackState = {
      enabled: track.enabled,
      muted: track.muted,
      ended: track.readyState === 'ended',
    };
    const before = this.states.get(track.id);
    this.states.set(track.id, now);
    if (now.ended) {
      this.endedIds.add(track.id);
      if (mid !== null) endedMids.add(`${direction === 'send' ? 'producer' : 'consumer'}|${mid}`);
    }
    const meta = { kind: track.kind, track_id: track.id, direction, mid };
    if (now.ended && !before?.ended) this.emit('track_ended', meta);
    if (now.ended) return;
    // First sight: only what is unusual (a remote track starts muted until media arrives, so that is not).
    if (before ? before.enabled !== now.enabled : !now.enabled)
      this.emit(now.enabled ? 'track_enabled' : 'track_disabled', meta);
    if (before ? before.muted !== now.muted : now.muted && direction === 'send')
      this.emit(now.muted ? 'track_muted' : 'track_unmuted', meta);
  }

  /** Whether the track of `sample` had ended at the last poll (by track id, else by its transceiver's mid). */
  isEnded(sample: Pick<StreamSample, 'track_id' | 'direction' | 'mid'>): boolean {
    if (sample.track_id !== undefined && this.endedIds.has(sample.track_id)) return true;
    return sample.mid !== undefined && this.endedMids.has(`${sample.direction}|${sample.mid}`);
  }
}

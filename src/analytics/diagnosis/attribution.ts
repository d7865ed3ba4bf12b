/**
 * Attribution from one peer's own data (before comparing with other peers):
 * - received trouble on the streams of every sender with data at that time
 *   (at least two senders) → this peer's downlink;
 * - sent trouble on every connection it sends on (at least two), or on a
 *   connection to an SFU (the SFU's reports measure the leg from this peer to
 *   the server) → this peer's uplink;
 * - otherwise the network path, with a low confidence and why.
 */
import { firstAfter } from './episodes.ts';
import { LIMITATION } from './thresholds.ts';
import { bandwidthSignal } from './video-rules.ts';
import type { DiagnosisStream, Issue, IssueKind } from './types.ts';

/** Kinds whose cause may be either end's network. */
export const PATH_KINDS: ReadonlySet<IssueKind> = new Set([
  'packet_loss',
  'jitter',
  'video_freeze',
  'audio_concealment',
  'no_media_received',
]);

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function hasDataIn(s: DiagnosisStream, range: { start: number; end: number }): boolean {
  const k = firstAfter(s.intervals, range.start - 1);
  return k < s.intervals.length && s.intervals[k].t <= range.end;
}

/** The party at the other end of a stream: its remote peer, else its connection. */
function partyOf(s: DiagnosisStream): string {
  return s.remotePeerId ?? s.pc ?? s.key;
}

/** Sets the own-data attribution of path-dependent issues, in place. */
export function attributeOwn(issues: Issue[], streams: readonly DiagnosisStream[]): void {
  const byKey = new Map(streams.map((s) => [s.key, s]));
  // Path issues by direction, in start order, for the overlap scans below.
  const pathIssues = issues
    .filter((o) => PATH_KINDS.has(o.kind) && o.kind !== 'no_media_received')
    .sort((a, b) => a.start - b.start);
  for (const issue of issues) {
    if (!PATH_KINDS.has(issue.kind) || issue.streams.length === 0) continue;
    const stream = byKey.get(issue.streams[0].key);
    if (!stream) continue;
    // Parties with data of the same direction and medium family at that time, and those in trouble too.
    const peers = streams.filter(
      (s) =>
        s.direction === stream.direction &&
        (s.medium === 'audio') === (stream.medium === 'audio') &&
        hasDataIn(s, issue),
    );
    const parties = new Set(peers.map(partyOf));
    const troubled = new Set(
      pathIssues
        .filter(
          (o) => o.start <= issue.end && o.direction === stream.direction && overlaps(o, issue),
        )
        .flatMap((o) => o.streams.map((a) => byKey.get(a.key)))
        .filter(
          (s): s is DiagnosisStream =>
            s !== undefined && (s.medium === 'audio') === (stream.medium === 'audio'),
        )
        .map(partyOf),
    );
    const all = parties.size >= 2 && [...parties].every((p) => troubled.has(p));
    if (stream.direction === 'receive' && issue.kind !== 'no_media_received') {
      // Kept as evidence, and read by blame: on an SFU, clean streams from other senders through the same server
      // rule out this peer's downlink.
      issue.evidence.detail = {
        ...issue.evidence.detail,
        senders_with_data: parties.size,
        senders_degraded: [...parties].filter((p) => troubled.has(p)).length,
      };
    }
    if (stream.direction === 'receive') {
      if (all && issue.kind !== 'no_media_received') {
        issue.attribution = {
          cause: 'own_downlink',
          confidence: parties.size >= 3 ? 'high' : 'medium',
          reason: `streams from all ${parties.size} senders degraded together`,
        };
      } else if (parties.size >= 2 && issue.kind !== 'no_media_received') {
        issue.attribution = {
          cause: 'network_path',
          confidence: 'low',
          reason: `only ${troubled.size} of ${parties.size} senders' streams degraded, so not this peer's downlink: the sender's uplink or the path from it`,
        };
      }
    } else if (all) {
      issue.attribution = {
        cause: 'own_uplink',
        confidence: 'high',
        reason: `the receivers on all ${parties.size} connections reported it together`,
      };
    } else if (stream.topology === 'sfu') {
      issue.attribution = {
        cause: 'own_uplink',
        confidence: 'medium',
        reason: "the SFU's receiver reports measure the leg from this peer to the server",
      };
    } else if (stream.topology === 'p2p') {
      issue.attribution = {
        cause: 'network_path',
        confidence: 'low',
        reason:
          "P2P: the receiver's reports cover this peer's uplink and the receiver's downlink together; one side cannot split them",
      };
    } else {
      issue.attribution = {
        cause: 'network_path',
        confidence: 'low',
        reason:
          "the receiver's reports cover this peer's uplink and everything after it; the topology is unknown",
      };
    }
  }
}

/**
 * Whether a sent stream showed bandwidth limitation over most of `range`: at least
 * {@link LIMITATION.jointShare} of its judged intervals there (see {@link bandwidthSignal}).
 */
function limitedOverMost(s: DiagnosisStream, range: { start: number; end: number }): boolean {
  let judged = 0;
  let limited = 0;
  for (let k = firstAfter(s.intervals, range.start - 1); k < s.intervals.length; k++) {
    const i = s.intervals[k];
    if (i.t > range.end) break;
    const v = bandwidthSignal(i, s.medium === 'video');
    if (v === undefined) continue;
    judged++;
    limited += v;
  }
  return judged > 0 && limited >= LIMITATION.jointShare * judged;
}

/**
 * Bandwidth limitation of a sent video on P2P: one connection's estimate
 * covers this peer's uplink and the receiver's downlink together, but when the
 * sent videos of **every** connection (at least two, i.e. a mesh) were limited
 * at the same time, the common part is this peer's uplink. A connection counts
 * as limited then when it has its own limitation issue overlapping, or when its
 * intervals in the range show the limitation signal most of the time: two
 * encoders behind one capped uplink share it, and each one's episode may start
 * and end at other moments (or be too short to be an issue of its own). Sets
 * the attribution of those issues, in place.
 */
export function attributeLimitation(
  issues: readonly Issue[],
  streams: readonly DiagnosisStream[],
): void {
  const byKey = new Map(streams.map((s) => [s.key, s]));
  const limited = issues.filter((i) => i.kind === 'bandwidth_limited' && i.streams.length > 0);
  for (const issue of limited) {
    const stream = byKey.get(issue.streams[0].key);
    if (!stream || stream.topology !== 'p2p') continue;
    const sent = streams.filter(
      (s) =>
        s.direction === 'send' &&
        s.medium === stream.medium &&
        s.topology === 'p2p' &&
        hasDataIn(s, issue),
    );
    const parties = new Set(sent.map(partyOf));
    const troubled = new Set(
      limited
        .filter((o) => overlaps(o, issue))
        .map((o) => byKey.get(o.streams[0].key))
        .filter((s): s is DiagnosisStream => s !== undefined && s.medium === stream.medium)
        .map(partyOf),
    );
    let joint = 0;
    for (const s of sent) {
      const party = partyOf(s);
      if (troubled.has(party) || !limitedOverMost(s, issue)) continue;
      troubled.add(party);
      joint++;
    }
    if (parties.size >= 2 && [...parties].every((p) => troubled.has(p)))
      issue.attribution = {
        cause: 'own_uplink',
        confidence: joint === 0 ? 'high' : 'medium',
        reason:
          joint === 0
            ? `the encoders of all ${parties.size} connections were limited by bandwidth at the same time: the part their paths share is this peer's uplink`
            : `the sent videos of all ${parties.size} connections were held down by bandwidth at the same time (${joint} of them by their target and estimate most of that time, without an issue of their own): the part their paths share is this peer's uplink`,
      };
  }
}

/**
 * Blame across the peers of a session: a received stream's trouble is
 * compared with the sender's own sent stream over the same time range.
 *
 * The sender is found through the stream's `remote_peer_id` (a peer id, a
 * participant id or a custom participant id), else its producer id, else its
 * SSRC (P2P keeps SSRCs end to end; an SFU may rewrite them), and the match
 * used is named. Then:
 * - the sender's stream shows loss too (its receiver reports) → the sender's
 *   uplink (`remote_peer`);
 * - the sender is clean → this peer's downlink when its other senders degraded
 *   too, else the server leg (SFU) or the path from the sender (P2P);
 * - two peers on P2P: the sender's reports describe the very same packets, so
 *   the split is ambiguous and said so;
 * - "no media received" is dropped when the sender sent nothing (muted or
 *   stopped), and is `bad` when it was sending; without a sender to ask it is
 *   kept only when every received stream stopped at once.
 */
import { PATH_KINDS } from './attribution.ts';
import type { Attribution, Issue, Medium, ProducerSummary, Topology } from './types.ts';

/** What a diagnosed peer keeps of each received stream for blame. */
export interface ReceivedStreamRef {
  key: string;
  medium: Medium;
  topology: Topology;
  ssrc?: number;
  producer_id?: string;
  remote_peer_id?: string;
}

/** Another peer of the session, as blame sees it. */
export interface SessionPeer {
  peerId: string;
  /** Other ids an app may use for it (participant id, custom participant id). */
  aliases: readonly string[];
  /** A name for sentences (display name or custom id). */
  label?: string;
  producers: readonly ProducerSummary[];
}

/** The session around the diagnosed peer. */
export interface BlameContext {
  selfPeerId: string;
  others: readonly SessionPeer[];
  /** Peers in the session, this one included. */
  sessionPeers: number;
}

interface SenderMatch {
  peer: SessionPeer;
  /** The sender's streams of this medium. */
  producers: ProducerSummary[];
  /** Those identified as this very stream (same producer id, same SSRC, or sent to this peer); may be empty. */
  exact: ProducerSummary[];
  by: NonNullable<Attribution['matched_by']>;
}

/** Finds the sender of a received stream and its sent streams of that medium. */
export function findSender(ref: ReceivedStreamRef, ctx: BlameContext): SenderMatch | undefined {
  const exactOf = (peer: SessionPeer): ProducerSummary[] => {
    const byId =
      ref.producer_id === undefined
        ? []
        : peer.producers.filter((p) => p.producer_id === ref.producer_id);
    if (byId.length) return byId;
    const bySsrc =
      ref.ssrc === undefined
        ? []
        : peer.producers.filter((p) => p.medium === ref.medium && p.ssrc === ref.ssrc);
    if (bySsrc.length) return bySsrc;
    return peer.producers.filter(
      (p) => p.medium === ref.medium && p.remote_peer_id === ctx.selfPeerId,
    );
  };
  const found = (peer: SessionPeer, by: SenderMatch['by']): SenderMatch => ({
    peer,
    by,
    exact: exactOf(peer),
    producers: peer.producers.filter((p) => p.medium === ref.medium),
  });
  if (ref.remote_peer_id !== undefined) {
    const peer = ctx.others.find(
      (o) => o.peerId === ref.remote_peer_id || o.aliases.includes(ref.remote_peer_id as string),
    );
    if (peer) return found(peer, 'remote_peer_id');
  }
  if (ref.producer_id !== undefined) {
    const peer = ctx.others.find((o) => o.producers.some((p) => p.producer_id === ref.producer_id));
    if (peer) return found(peer, 'producer_id');
  }
  if (ref.ssrc !== undefined) {
    const peer = ctx.others.find((o) =>
      o.producers.some((p) => p.medium === ref.medium && p.ssrc === ref.ssrc),
    );
    if (peer) return found(peer, 'ssrc');
  }
  return undefined;
}

function overlap(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
}

/** Whether the sender sent nothing over most of [start, end] (silent, or no data at all then). */
function senderSilent(producers: readonly ProducerSummary[], start: number, end: number): boolean {
  const span = Math.max(1, end - start);
  return producers.every((p) => {
    const covered = overlap(start, end, p.first, p.last);
    const silent = p.silent.reduce((a, [s, e]) => a + overlap(start, end, s, e), 0);
    return covered < span * 0.2 || silent >= covered * 0.8;
  });
}

function name(peer: SessionPeer): string {
  return peer.label ? `participant '${peer.label}'` : `peer ${peer.peerId}`;
}

/**
 * Applies blame to the received-side issues (in place); returns the issues
 * kept (a "no media received" whose sender sent nothing is dropped).
 */
export function applyBlame(
  issues: readonly Issue[],
  refs: readonly ReceivedStreamRef[],
  ctx: BlameContext,
): Issue[] {
  const refByKey = new Map(refs.map((r) => [r.key, r]));
  const kept: Issue[] = [];
  for (const issue of issues) {
    const ref =
      issue.direction === 'receive' && PATH_KINDS.has(issue.kind)
        ? refByKey.get(issue.streams[0]?.key ?? '')
        : undefined;
    if (!ref) {
      kept.push(issue);
      continue;
    }
    const match = findSender(ref, ctx);
    // "No media received" without the sender's word counts only when everything stopped at once.
    if (
      issue.kind === 'no_media_received' &&
      !match &&
      issue.evidence.detail?.all_streams_silent !== 1
    )
      continue;
    if (!match) {
      issue.attribution = {
        ...issue.attribution,
        reason: `${issue.attribution.reason}; no sender of this stream was found among the session's other peers`,
      };
      kept.push(issue);
      continue;
    }
    const who = name(match.peer);
    const base = { peer_id: match.peer.peerId, matched_by: match.by } as const;
    if (issue.kind === 'no_media_received') {
      if (senderSilent(match.exact.length ? match.exact : match.producers, issue.start, issue.end))
        continue; // the sender was muted or stopped: nothing was lost
      issue.severity = 'bad';
      issue.attribution =
        issue.attribution.cause === 'own_downlink'
          ? { ...issue.attribution, ...base }
          : ref.topology === 'sfu'
            ? {
                cause: 'server',
                confidence: 'medium',
                reason: `${who} was sending to the server, but nothing reached this peer`,
                ...base,
              }
            : {
                cause: 'network_path',
                confidence: 'medium',
                reason: `${who} was sending, but nothing reached this peer`,
                ...base,
              };
      kept.push(issue);
      continue;
    }
    const lossyIn = (p: ProducerSummary) =>
      p.loss.some(([s, e]) => s <= issue.end && e >= issue.start);
    const active = (p: ProducerSummary) =>
      overlap(issue.start, issue.end, p.first, p.last) > 0 ||
      (p.first <= issue.end && p.last >= issue.start);
    if (ref.topology === 'sfu') {
      // The sender's stream to the SFU is the first leg of this very stream.
      const firstLeg = (match.exact.length ? match.exact : match.producers).filter(active);
      const lossy = firstLeg.filter(lossyIn);
      if (lossy.length > 0) issue.attribution = remoteUplink(who, lossy, 'high', base, '');
      else if (issue.attribution.cause === 'own_downlink')
        issue.attribution = {
          ...issue.attribution,
          confidence: 'high',
          reason: `${issue.attribution.reason}, and ${who}'s uplink was clean`,
          ...base,
        };
      else issue.attribution = { ...serverLeg(who, issue), ...base };
    } else {
      // P2P (or unknown): the sender's stream to this peer mirrors this peer's own loss (same packets);
      // only its streams to the other peers tell its uplink apart.
      const elsewhere = match.producers.filter((p) => active(p) && !match.exact.includes(p));
      if (elsewhere.length === 0 || ctx.sessionPeers <= 2) {
        issue.attribution = {
          cause: 'network_path',
          confidence: 'low',
          reason: `ambiguous: ${ctx.sessionPeers <= 2 ? 'two peers on P2P' : `no other stream of ${who} to compare with`} — ${who}'s reports describe the very same packets, so its uplink and this peer's downlink cannot be told apart`,
          ...base,
        };
      } else if (elsewhere.every(lossyIn)) {
        issue.attribution = remoteUplink(
          who,
          elsewhere,
          match.exact.length ? 'high' : 'medium',
          base,
          ' on its connections to the other peers',
        );
      } else if (issue.attribution.cause === 'own_downlink') {
        issue.attribution = {
          ...issue.attribution,
          confidence: 'high',
          reason: `${issue.attribution.reason}, and ${who}'s streams to the other peers were clean`,
          ...base,
        };
      } else {
        issue.attribution = {
          cause: 'network_path',
          confidence: 'medium',
          reason: `${who}'s streams to the other peers were clean, so not its uplink: the path from it to this peer`,
          ...base,
        };
      }
    }
    kept.push(issue);
  }
  return kept;
}

/** What the trouble of a path issue is called in a sentence. */
const TROUBLE: Partial<Record<Issue['kind'], string>> = {
  packet_loss: 'the loss',
  jitter: 'the jitter',
  video_freeze: 'the freezes',
  audio_concealment: 'the concealment',
};

/**
 * SFU, the sender's uplink clean and not all of this peer's received streams
 * degraded: the leg from the server to this peer. When streams from other
 * senders came through the same server cleanly at the time (counted by
 * `attributeOwn` in `evidence.detail`), this peer's downlink is ruled out and
 * the SFU's forwarding of this stream remains; with no other sender to
 * compare with, the SFU and this peer's downlink cannot be told apart.
 */
function serverLeg(
  who: string,
  issue: Issue,
): Pick<Attribution, 'cause' | 'confidence' | 'reason'> {
  const trouble = TROUBLE[issue.kind] ?? 'the trouble';
  const withData = Number(issue.evidence.detail?.senders_with_data ?? 0);
  const degraded = Number(issue.evidence.detail?.senders_degraded ?? 0);
  if (withData >= 2 && degraded < withData) {
    const clean = withData - degraded;
    return {
      cause: 'server',
      confidence: 'medium',
      reason: `${who}'s uplink to the SFU was clean, and ${clean === 1 ? 'the stream' : `the streams of ${clean} senders`} reaching this peer through the same server at the time ${clean === 1 ? 'was' : 'were'} clean, so not this peer's downlink: ${trouble} is on the server's leg of this stream (the SFU)`,
    };
  }
  return {
    cause: 'server',
    confidence: 'low',
    reason: `${who}'s uplink to the SFU was clean: ${trouble} is between the server and this peer (with no other sender's stream to compare with, the SFU and this peer's downlink cannot be told apart)`,
  };
}

function remoteUplink(
  who: string,
  lossy: readonly ProducerSummary[],
  confidence: Attribution['confidence'],
  base: Pick<Attribution, 'peer_id' | 'matched_by'>,
  where: string,
): Attribution {
  const worst = Math.max(...lossy.flatMap((p) => p.loss.map((l) => l[2])));
  return {
    cause: 'remote_peer',
    confidence,
    reason: `${who}'s own sent stream reported up to ${Math.round(worst * 10) / 10} % loss at the same time${where}: the sender's uplink`,
    ...base,
  };
}

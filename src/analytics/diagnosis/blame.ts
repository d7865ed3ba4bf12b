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

function overlapsIssue(p: ProducerSummary, issue: Issue): boolean {
  return (
    overlap(issue.start, issue.end, p.first, p.last) > 0 ||
    (p.first <= issue.end && p.last >= issue.start)
  );
}

function lossyDuring(p: ProducerSummary, issue: Issue): boolean {
  return p.loss.some(([s, e]) => s <= issue.end && e >= issue.start);
}

/**
 * The sender's own sent streams that show, at the time of `issue`, the loss of its uplink (their receivers'
 * remote-inbound reports): on an SFU its stream to the server (the first leg of this very stream); on P2P with
 * three peers or more its streams to the *other* peers, all of them (its stream to this peer mirrors this peer's
 * own loss). Undefined when the sender's reports do not show its uplink at fault (clean, or they cannot tell).
 */
function uplinkAtFault(
  match: SenderMatch,
  issue: Issue,
  topology: Topology,
  ctx: BlameContext,
): ProducerSummary[] | undefined {
  if (topology === 'sfu') {
    const firstLeg = (match.exact.length ? match.exact : match.producers).filter((p) =>
      overlapsIssue(p, issue),
    );
    const lossy = firstLeg.filter((p) => lossyDuring(p, issue));
    return lossy.length > 0 ? lossy : undefined;
  }
  if (ctx.sessionPeers <= 2) return undefined;
  const elsewhere = match.producers.filter(
    (p) => overlapsIssue(p, issue) && !match.exact.includes(p),
  );
  return elsewhere.length > 0 && elsewhere.every((p) => lossyDuring(p, issue))
    ? elsewhere
    : undefined;
}

/**
 * "This peer's downlink" needs the streams of every sender (at least two) to degrade together *while their
 * senders were clean*. `attributeOwn` counted the degraded senders from this peer's data alone; here a degraded
 * sender whose own reports show its uplink at fault at the time is taken out (its stream's trouble has its own
 * cause). Returns whether the senders left still number at least two (they all degraded, or `attributeOwn`
 * would not have said own_downlink), and the peers taken out.
 */
function downlinkStillShown(
  issue: Issue,
  issues: readonly Issue[],
  refByKey: ReadonlyMap<string, ReceivedStreamRef>,
  ctx: BlameContext,
): { shown: boolean; explained: string[] } {
  const withData = Number(issue.evidence.detail?.senders_with_data ?? 0);
  const audio = issue.medium === 'audio';
  const explained = new Set<string>();
  for (const other of issues) {
    if (
      other.direction !== 'receive' ||
      !PATH_KINDS.has(other.kind) ||
      other.kind === 'no_media_received' ||
      (other.medium === 'audio') !== audio ||
      other.start > issue.end ||
      issue.start > other.end
    )
      continue;
    const ref = refByKey.get(other.streams[0]?.key ?? '');
    const match = ref && findSender(ref, ctx);
    if (!ref || !match || explained.has(match.peer.peerId)) continue;
    if (uplinkAtFault(match, issue, ref.topology, ctx)) explained.add(match.peer.peerId);
  }
  return { shown: withData - explained.size >= 2, explained: [...explained] };
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
    const lossyIn = (p: ProducerSummary) => lossyDuring(p, issue);
    const active = (p: ProducerSummary) => overlapsIssue(p, issue);
    // Own downlink only while it is still shown once the senders' own reports are heard (see downlinkStillShown).
    let downlink = issue.attribution.cause === 'own_downlink';
    let explainedNote = '';
    if (downlink && !uplinkAtFault(match, issue, ref.topology, ctx)) {
      const check = downlinkStillShown(issue, issues, refByKey, ctx);
      if (!check.shown) {
        downlink = false;
        explainedNote = `; the other degraded sender${check.explained.length === 1 ? "'s" : "s'"} own reports put ${check.explained.length === 1 ? 'its' : 'their'} trouble on ${check.explained.length === 1 ? 'its' : 'their'} own uplink, so all streams degrading together does not show this peer's downlink`;
        issue.attribution = { ...issue.attribution, cause: 'network_path' };
      }
    }
    if (ref.topology === 'sfu') {
      // The sender's stream to the SFU is the first leg of this very stream.
      const firstLeg = (match.exact.length ? match.exact : match.producers).filter(active);
      const lossy = firstLeg.filter(lossyIn);
      if (lossy.length > 0) issue.attribution = remoteUplink(who, lossy, 'high', base, '');
      else if (downlink)
        issue.attribution = {
          ...issue.attribution,
          confidence: 'high',
          reason: `${issue.attribution.reason}, and ${who}'s uplink was clean`,
          ...base,
        };
      else {
        const leg = serverLeg(who, issue);
        issue.attribution = { ...leg, reason: leg.reason + explainedNote, ...base };
      }
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
      } else if (downlink) {
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
          reason: `${who}'s streams to the other peers were clean, so not its uplink: the path from it to this peer${explainedNote}`,
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

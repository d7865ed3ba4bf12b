/**
 * Verdicts and the one-sentence summary. The peer's verdict is its worst
 * issue's severity; each direction × medium it has streams for gets the worst
 * severity among issues of that direction and medium and the connection-wide
 * issues (ICE, relay), `good` without any.
 */
import type { Direction, Issue, Medium, Severity, Verdict, Verdicts } from './types.ts';
import { issuesByImportance } from './importance.ts';

/** Verdicts best first; the index is the verdict's rank. */
export const VERDICT_ORDER: readonly Verdict[] = ['good', 'fair', 'poor', 'bad'];

/** Rank of a verdict (0 good … 3 bad). */
export function verdictRank(v: Verdict): number {
  return VERDICT_ORDER.indexOf(v);
}

function worse(a: Verdict, b: Verdict): Verdict {
  return verdictRank(b) > verdictRank(a) ? b : a;
}

/** Issues ordered most important first: severity, then length, then start. */
export function byImportance(a: Issue, b: Issue): number {
  return (
    verdictRank(b.severity) - verdictRank(a.severity) ||
    b.end - b.start - (a.end - a.start) ||
    a.start - b.start
  );
}

/** The verdicts, given the directions × media the peer has streams for. */
export function verdictsOf(
  issues: readonly Issue[],
  present: { send: readonly Medium[]; receive: readonly Medium[] },
): Verdicts {
  const out: Verdicts = { peer: 'good', send: {}, receive: {} };
  for (const d of ['send', 'receive'] as const) for (const m of present[d]) out[d][m] = 'good';
  for (const i of issues) {
    out.peer = worse(out.peer, i.severity);
    for (const d of ['send', 'receive'] as const) {
      if (i.direction !== undefined && i.direction !== d) continue;
      for (const m of present[d]) {
        if (i.medium !== undefined && i.medium !== m) continue;
        out[d][m] = worse(out[d][m] ?? 'good', i.severity);
      }
    }
  }
  return out;
}

function clock(ms: number, withSeconds: boolean): string {
  const iso = new Date(ms).toISOString();
  return withSeconds ? iso.slice(11, 19) : iso.slice(11, 16);
}

/** "from 10:32 to 10:41" (UTC), with seconds for short ranges, or "at 10:32". */
export function timeRange(start: number, end: number): string {
  const short = end - start < 120_000;
  if (end - start < 1000) return `at ${clock(start, true)} UTC`;
  return `from ${clock(start, short)} to ${clock(end, short)} UTC`;
}

const SEVERITY_WORD: Record<Severity, string> = { fair: 'Fair', poor: 'Poor', bad: 'Bad' };
const DIRECTION_WORD: Record<Direction, string> = { send: 'sent', receive: 'received' };

function what(i: Issue): string {
  const e = i.evidence;
  switch (i.kind) {
    case 'packet_loss':
      return e.metric === 'repaired_loss_pct'
        ? `${e.typical} % of packets lost and repaired by retransmission (worst ${e.worst} %)`
        : `${e.typical} % packet loss (worst ${e.worst} %)`;
    case 'high_rtt':
      return `round-trip time ${Math.round(e.typical)} ms (worst ${Math.round(e.worst)} ms)`;
    case 'jitter':
      return `jitter ${e.typical} ms (worst ${e.worst} ms)`;
    case 'bandwidth_limited':
      return `video limited by bandwidth${e.detail?.pixel_share !== undefined ? ` (picture down to ${Math.round(Number(e.detail.pixel_share) * 100)} % of its pixels)` : ''}`;
    case 'cpu_limited':
      return 'video limited by the CPU';
    case 'video_freeze':
      return `video froze for ${e.detail?.frozen_s ?? e.worst} s`;
    case 'audio_concealment':
      return `${e.typical} % of the audio concealed`;
    case 'no_media_received':
      return 'no media arrived';
    case 'ice_failed':
      return 'the connection failed';
    case 'ice_disconnected':
      return `the connection was down for ${e.worst} s`;
    case 'ice_restart':
      return 'the connection was restarted';
    case 'relay_over_tcp':
      return `media went ${e.detail?.via ?? 'over TCP'}`;
    case 'device_problem':
      return i.attribution.reason;
    case 'precall_predicted':
      return i.attribution.reason;
  }
}

function where(i: Issue, labels: ReadonlyMap<string, string>): string {
  const a = i.attribution;
  const who =
    a.peer_id === undefined
      ? undefined
      : labels.has(a.peer_id)
        ? `participant '${labels.get(a.peer_id)}'`
        : `peer ${a.peer_id}`;
  switch (a.cause) {
    case 'own_uplink':
      return "on this participant's uplink";
    case 'own_downlink':
      return "on this participant's downlink";
    case 'remote_peer':
      return i.direction === 'send'
        ? `on the receiver's side${who ? ` (${who})` : ''}`
        : `on the sender's uplink${who ? ` (${who})` : ''}`;
    case 'server':
      return 'between the server and this participant';
    case 'own_device':
      return "on this participant's device";
    case 'network_path':
      return a.confidence === 'low'
        ? 'on the network path (which side could not be narrowed down)'
        : 'on the network path';
  }
}

/** One plain sentence: the top issue, when and where, or that all was well. */
export function summarySentence(
  issues: readonly Issue[],
  labels: ReadonlyMap<string, string>,
  streams: number,
): string {
  if (issues.length === 0)
    return streams > 0
      ? `Good: no quality issue found on ${streams} stream${streams === 1 ? '' : 's'}.`
      : 'No quality issue found (no media streams were reported).';
  // The cause before the symptom it produced (importance.ts).
  const top = issuesByImportance(issues)[0]!;
  const subject =
    top.direction && top.medium
      ? `${SEVERITY_WORD[top.severity]} ${top.medium === 'screenshare' ? 'screen share' : top.medium} ${DIRECTION_WORD[top.direction]}`
      : `${SEVERITY_WORD[top.severity]} connection`;
  const device = top.kind === 'device_problem' || top.kind === 'precall_predicted';
  const more =
    issues.length > 1 ? ` (${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  return `${subject} ${timeRange(top.start, top.end)}: ${what(top)}${device ? '' : ` ${where(top, labels)}`}${more}.`;
}

/**
 * Which issue comes first (pure): the answer to "why was it bad" is the cause, not the symptom it produced.
 * Freezes and concealment are what a network fault (loss, jitter, RTT, a bandwidth limit) does to received media;
 * when both are found on the same side of the call at the same time, the cause is put first, at the importance of
 * the worst symptom it explains. Severities are not changed: a fair jitter that froze the video stays fair, and the
 * freeze stays listed with its own figures. Otherwise: severity first, then the longest, then the earliest.
 */
import type { Direction, Issue, IssueKind } from './types.ts';
import { verdictRank } from './verdict.ts';

/** Kinds that are the visible effect of a fault rather than the fault. */
const SYMPTOMS: ReadonlySet<IssueKind> = new Set(['video_freeze', 'audio_concealment']);
/** Network kinds that explain a symptom overlapping them. */
const CAUSES: ReadonlySet<IssueKind> = new Set([
  'packet_loss',
  'jitter',
  'high_rtt',
  'bandwidth_limited',
]);

/** What ordering needs of an issue, with its time span in ms (stored issues hold numbers, reports ISO text). */
export interface RankableIssue {
  kind: IssueKind;
  severity: Issue['severity'];
  direction?: Direction;
  attribution: { peer_id?: string };
}

/** Whether `symptom` happened where and when `cause` did: same direction, overlapping, not another peer's. */
function explains(
  cause: RankableIssue,
  causeSpan: readonly [number, number],
  symptom: RankableIssue,
  symptomSpan: readonly [number, number],
): boolean {
  if (!CAUSES.has(cause.kind) || !SYMPTOMS.has(symptom.kind)) return false;
  if (cause.direction !== symptom.direction) return false;
  const a = cause.attribution.peer_id;
  const b = symptom.attribution.peer_id;
  if (a !== undefined && b !== undefined && a !== b) return false;
  return causeSpan[0] < symptomSpan[1] && symptomSpan[0] < causeSpan[1];
}

/** `issues` most important first (see the module comment); `span` gives an issue's [start, end] in ms. */
export function orderByImportance<T extends RankableIssue>(
  issues: readonly T[],
  span: (issue: T) => readonly [number, number],
): T[] {
  const spans = issues.map(span);
  const weight = issues.map((issue, i) => {
    let rank = verdictRank(issue.severity);
    issues.forEach((other, j) => {
      if (explains(issue, spans[i]!, other, spans[j]!))
        rank = Math.max(rank, verdictRank(other.severity));
    });
    return rank;
  });
  const order = issues.map((_, i) => i);
  order.sort((x, y) => {
    const ix = issues[x]!;
    const iy = issues[y]!;
    return (
      weight[y]! - weight[x]! ||
      Number(SYMPTOMS.has(ix.kind)) - Number(SYMPTOMS.has(iy.kind)) ||
      spans[y]![1] - spans[y]![0] - (spans[x]![1] - spans[x]![0]) ||
      spans[x]![0] - spans[y]![0]
    );
  });
  return order.map((i) => issues[i]!);
}

/** Stored issues (times in ms) most important first. */
export function issuesByImportance<T extends Issue>(issues: readonly T[]): T[] {
  return orderByImportance(issues, (i) => [i.start, i.end]);
}

/** Report issues (ISO times) most important first. */
export function reportIssuesByImportance<T extends RankableIssue & { start: string; end: string }>(
  issues: readonly T[],
): T[] {
  return orderByImportance(issues, (i) => [Date.parse(i.start), Date.parse(i.end)]);
}

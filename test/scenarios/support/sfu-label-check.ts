/**
 * Compares a peer's diagnosis (the report's `diagnosis` object) with its
 * label in a scenario table: the top issue, taken in the report's own order of
 * importance (severity, then length, then start), and the directions that must
 * have no issue at all (every issue is at least `fair`).
 */
import type { DiagnosisJson } from './sfu-call.ts';
import {
  reportIssuesByImportance,
  type RankableIssue,
} from '../../../src/analytics/diagnosis/importance.ts';

/** What a label expects of one peer. */
export interface PeerLabel {
  /** The most important issue; absent: the peer has no issue at all. */
  top?: {
    kind: string;
    direction?: 'send' | 'receive';
    medium?: string;
    cause: string;
    /** For `remote_peer` (or any attribution naming a peer): the peer's name in the scenario. */
    peer?: string;
  };
  /** Directions with no issue. */
  clean?: readonly ('send' | 'receive')[];
}

type IssueJson = DiagnosisJson['issues'][number];
type RankedJson = RankableIssue & { start: string; end: string };

/** The most important issue, in the engine's order (importance.ts: a cause before the symptom it produced). */
export function topIssue(d: DiagnosisJson): IssueJson | undefined {
  return reportIssuesByImportance(d.issues as unknown as RankedJson[])[0] as IssueJson | undefined;
}

/** A one-line account of the top issue, with peer ids replaced by scenario names. */
export function describeTop(d: DiagnosisJson, peerIds: Record<string, string>): string {
  const t = topIssue(d);
  if (!t) return 'none';
  const name = Object.entries(peerIds).find(([, id]) => id === t.attribution.peer_id)?.[0];
  return `${t.kind} ${t.severity} ${t.direction ?? '-'} ${t.medium ?? '-'} → ${t.attribution.cause}${name ? ` (${name})` : ''}, ${t.attribution.confidence}: ${t.attribution.reason}`;
}

/** How the diagnosis differs from the label (empty: it matches). `nameOf` maps a peer id to its scenario name. */
export function labelMismatches(
  d: DiagnosisJson,
  label: PeerLabel,
  nameOf: (peerId: string | undefined) => string | undefined,
): string[] {
  const out: string[] = [];
  const top = topIssue(d);
  if (!label.top) {
    if (top) out.push(`expected no issue, found ${d.issues.length} (top ${top.kind})`);
  } else if (!top) out.push(`expected top ${label.top.kind}, found no issue`);
  else {
    const want = label.top;
    if (top.kind !== want.kind) out.push(`top kind ${top.kind}, expected ${want.kind}`);
    if (want.direction && top.direction !== want.direction)
      out.push(`top direction ${top.direction}, expected ${want.direction}`);
    if (want.medium && top.medium !== want.medium)
      out.push(`top medium ${top.medium}, expected ${want.medium}`);
    if (top.attribution.cause !== want.cause)
      out.push(`top cause ${top.attribution.cause}, expected ${want.cause}`);
    if (want.peer && nameOf(top.attribution.peer_id) !== want.peer)
      out.push(
        `top blames ${nameOf(top.attribution.peer_id) ?? top.attribution.peer_id}, expected ${want.peer}`,
      );
  }
  for (const dir of label.clean ?? []) {
    const found = d.issues.filter((i) => i.direction === dir);
    if (found.length)
      out.push(
        `${dir} side not clean: ${found.map((i) => `${i.kind}/${i.severity}/${i.medium}`).join(', ')}`,
      );
  }
  return out;
}

/**
 * Checks a peer report's `diagnosis` against a scenario label (`labels.ts`):
 * the top issue (most important first, in the engine's order: importance.ts)
 * and the scopes that must be clean.
 */
import { reportIssuesByImportance } from '../../../src/analytics/diagnosis/importance.ts';
import type { IssueJson } from '../../../src/analytics/diagnosis/engine.ts';
import type { PeerLabel, PeerName } from '../labels.ts';

/** The report's `diagnosis` object, as far as the labels read it. */
export interface ReportDiagnosis {
  verdict: string;
  summary: string;
  issues: IssueJson[];
}

const NAMES: PeerName[] = ['A', 'B', 'C'];

/** Issues most important first, in the engine's order (importance.ts: a cause before its symptom). */
export function byImportance(issues: readonly IssueJson[]): IssueJson[] {
  return reportIssuesByImportance(issues);
}

/** One line per issue, most important first (for failure messages). */
export function describeIssues(d: ReportDiagnosis | undefined): string {
  if (!d) return '(no diagnosis)';
  const lines = byImportance(d.issues).map(
    (i) =>
      `  ${i.severity} ${i.kind} ${i.direction ?? '-'}/${i.medium ?? '-'} ${i.duration_s} s ` +
      `${i.evidence.metric} typical ${i.evidence.typical} worst ${i.evidence.worst}: ` +
      `${i.attribution.cause}${i.attribution.peer_id ? ` ${i.attribution.peer_id}` : ''} ` +
      `(${i.attribution.confidence}: ${i.attribution.reason})`,
  );
  return [`${d.verdict}: ${d.summary}`, ...lines].join('\n');
}

/** What does not match the label (empty when it matches). `peerIds[i]` is peer A, B, C's id. */
export function checkPeer(
  d: ReportDiagnosis,
  label: PeerLabel,
  peerIds: readonly string[],
): string[] {
  const failures: string[] = [];
  if (label.clean) {
    const scope = label.clean;
    const found = d.issues.filter((i) => scope === 'all' || i.direction === scope);
    if (found.length > 0)
      failures.push(
        `expected no issue (${scope}), found ${found.map((i) => `${i.severity} ${i.kind}`).join(', ')}`,
      );
  }
  if (label.notBlamed) {
    const own = d.issues.filter((i) => i.attribution.cause.startsWith('own_'));
    if (own.length > 0)
      failures.push(
        `expected no issue blamed on this peer, found ${own.map((i) => `${i.kind}/${i.attribution.cause}`).join(', ')}`,
      );
  }
  if (label.top) {
    const want = label.top;
    const top = byImportance(
      d.issues.filter((i) => want.direction === undefined || i.direction === want.direction),
    )[0];
    const wantPeer = want.peer === undefined ? undefined : peerIds[NAMES.indexOf(want.peer)];
    if (!top) failures.push(`expected top issue ${want.kind}/${want.cause}, found none`);
    else if (
      top.kind !== want.kind ||
      top.attribution.cause !== want.cause ||
      (wantPeer !== undefined && top.attribution.peer_id !== wantPeer)
    )
      failures.push(
        `expected top issue ${want.kind}/${want.cause}${want.peer ? ` naming ${want.peer} (${wantPeer})` : ''}, ` +
          `found ${top.kind}/${top.attribution.cause}${top.attribution.peer_id ? ` naming ${top.attribution.peer_id}` : ''}`,
      );
  }
  return failures;
}

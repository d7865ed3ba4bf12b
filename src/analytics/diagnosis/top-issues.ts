/**
 * The most important issues of a finished diagnosis (pure): severity first,
 * then the longest, then the earliest. What `peer.qualityReport` and the
 * warehouse export carry (the report lists every issue, in time order).
 */
import type { IssueJson } from './engine.ts';
import { verdictRank } from './verdict.ts';

/** The `n` most important of `issues`, most important first. */
export function topIssues(issues: readonly IssueJson[], n: number): IssueJson[] {
  return [...issues]
    .sort(
      (a, b) =>
        verdictRank(b.severity) - verdictRank(a.severity) ||
        b.duration_s - a.duration_s ||
        a.start.localeCompare(b.start),
    )
    .slice(0, n);
}

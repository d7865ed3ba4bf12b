/**
 * The most important issues of a finished diagnosis (pure), in the order of
 * importance.ts (a cause before the symptom it produced, severity, length, start). What `peer.qualityReport` and the
 * warehouse export carry (the report lists every issue, in time order).
 */
import type { IssueJson } from './engine.ts';
import { reportIssuesByImportance } from './importance.ts';

/** The `n` most important of `issues`, most important first. */
export function topIssues(issues: readonly IssueJson[], n: number): IssueJson[] {
  return reportIssuesByImportance(issues).slice(0, n);
}

/**
 * The verdict and issue kinds a finished peer counts with in the fleet
 * rollups (pure): those of its stored diagnosis after blame
 * (src/store/peer-diagnosis.ts, docs/diagnosis.md), the same verdict its
 * report, the session listings, `peer.qualityReport` and the export show.
 *
 * Issue kinds are kept per peer as a bitmask over the diagnosis engine's
 * {@link ISSUE_KINDS} (bit i = ISSUE_KINDS[i]): new kinds are appended to
 * that list, never inserted, so stored masks keep their meaning.
 */
import { ISSUE_KINDS, type IssueKind, type Verdict } from '../analytics/diagnosis/types.ts';
import { VERDICT_ORDER } from '../analytics/diagnosis/verdict.ts';

export { ISSUE_KINDS, type IssueKind, type Verdict };

/** Verdicts, best first (the index is the verdict's rank). */
export const VERDICTS = VERDICT_ORDER;

/** What the rollup takes from a peer's diagnosis. */
export interface RollupDiagnosis {
  verdict: Verdict;
  /** Issue kinds found (repeats allowed). */
  kinds: readonly IssueKind[];
}

/** The rollup's view of a diagnosis (its verdict and the kinds of its issues). */
export function rollupDiagnosisOf(d: {
  verdict: Verdict;
  issues: readonly { kind: IssueKind }[];
}): RollupDiagnosis {
  return { verdict: d.verdict, kinds: d.issues.map((i) => i.kind) };
}

/** Bitmask of `issues` (bit i = ISSUE_KINDS[i]). */
export function issueMask(issues: readonly IssueKind[]): number {
  let m = 0;
  for (const k of issues) {
    const i = ISSUE_KINDS.indexOf(k);
    if (i >= 0) m |= 1 << i;
  }
  return m;
}

/** The issue kinds of a bitmask. */
export function issuesOfMask(mask: number): IssueKind[] {
  return ISSUE_KINDS.filter((_, i) => (mask & (1 << i)) !== 0);
}

/** The rollup's sort key, higher is worse: verdict rank × 1000 + (5 − lowest MOS) × 100. */
export function rollupSeverity(
  verdict: Verdict,
  audioMos: number | null,
  videoMos: number | null,
): number {
  const mos = [audioMos, videoMos].filter((v): v is number => v !== null);
  const lowest = mos.length > 0 ? Math.min(...mos) : 5;
  return VERDICTS.indexOf(verdict) * 1000 + Math.round((5 - lowest) * 100);
}

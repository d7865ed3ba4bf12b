/**
 * What `peer.qualityReport` says about a finished peer's quality (pure): the
 * report's `quality_stats` summary and, from its stored diagnosis after
 * blame, the verdict, the diagnosis' one-sentence summary and its top issues
 * (most important first). Built inside the transaction that stores the
 * diagnosis (store/finished-peer-quality.ts), so the event says exactly what
 * the report says at that moment.
 */
import type { QualityAggregates } from '../analytics/quality-aggregates.ts';
import type { DiagnosisReport, IssueJson } from '../analytics/diagnosis/engine.ts';
import { topIssues } from '../analytics/diagnosis/top-issues.ts';
import type { PeerQualityDescription } from './event-payloads.ts';

/** How many issues the event carries at most (the report has them all). */
export const TOP_ISSUES = 5;

/** What the description is made from. */
export interface PeerQualityInput {
  /** The finished peer's aggregates, as stored with it. */
  aggregates: QualityAggregates;
  /** Its diagnosis after blame, as stored with it. */
  diagnosis: DiagnosisReport;
}

/** One issue as the event carries it: what, how bad, when, where the cause lies. */
function issueOf(i: IssueJson): Record<string, unknown> {
  return {
    kind: i.kind,
    severity: i.severity,
    ...(i.direction ? { direction: i.direction } : {}),
    ...(i.medium ? { medium: i.medium } : {}),
    start: i.start,
    end: i.end,
    durationSeconds: i.duration_s,
    cause: i.attribution.cause,
    ...(i.attribution.peer_id ? { causePeerId: i.attribution.peer_id } : {}),
    confidence: i.attribution.confidence,
    evidence: {
      metric: i.evidence.metric,
      worst: i.evidence.worst,
      typical: i.evidence.typical,
      threshold: i.evidence.threshold,
    },
    advice: i.advice,
  };
}

/** The summary, verdict and top issues of a finished peer, for `peer.qualityReport`. */
export function describePeerForWebhook(input: PeerQualityInput): PeerQualityDescription {
  const { diagnosis } = input;
  const top = topIssues(diagnosis.issues, TOP_ISSUES);
  return {
    summary: input.aggregates.summary,
    verdict: diagnosis.verdict,
    diagnosisSummary: diagnosis.summary,
    issues: top.map(issueOf),
    issuesTotal: diagnosis.issues.length,
  };
}

/**
 * The diagnosis engine: runs every rule over one peer's telemetry
 * ({@link diagnoseOwn}: depends on this peer only, so a finished peer's is
 * computed once and stored), then compares its received streams with the
 * session's other peers and writes the verdicts and the sentence
 * ({@link finishDiagnosis}: cheap, done at read time because other peers may
 * finish later). Pure.
 */
import { ADVICE } from './advice.ts';
import { attributeLimitation, attributeOwn } from './attribution.ts';
import { applyBlame, type BlameContext, type ReceivedStreamRef } from './blame.ts';
import { deviceIssues } from './device-rules.ts';
import { mergeIssues } from './merge-issues.ts';
import { concealmentIssues, markAllSilent, noMediaIssues } from './media-rules.ts';
import { jitterIssues, lossIssues, rttIssues } from './network-rules.ts';
import { precallIssues } from './precall-rule.ts';
import { repairedLossIssues } from './repair-rules.ts';
import { producerSummaries } from './producer-summary.ts';
import { iceIssues, relayIssues } from './transport-rules.ts';
import type { DiagnosisInput, Issue, Medium, ProducerSummary, Verdict, Verdicts } from './types.ts';
import { byImportance, summarySentence, verdictsOf } from './verdict.ts';
import { issuesByImportance } from './importance.ts';
import { bandwidthIssues, cpuIssues, freezeIssues } from './video-rules.ts';

/** Method id, bumped when a rule changes what it finds (stored diagnoses of another version are recomputed). */
export const DIAGNOSIS_METHOD = 'peer-report-diagnosis@4';

/** At most this many issues are returned (most important first are kept). */
export const MAX_ISSUES = 50;

/** At most this many issues are kept in the own part (blame may drop a few "no media" ones, and merge others). */
export const MAX_OWN_ISSUES = 100;

/** The part of a diagnosis that depends on this peer's data only (stored for a finished peer). */
export interface OwnDiagnosis {
  method: string;
  issues: Issue[];
  /** This peer's sent streams, for other peers' blame. */
  producers: ProducerSummary[];
  /** This peer's received streams, for its own blame. */
  received: ReceivedStreamRef[];
  present: { send: Medium[]; receive: Medium[] };
  streams: number;
  /** More than {@link MAX_OWN_ISSUES} were found; the least important were left out. */
  truncated?: true;
}

/** Runs every rule on one peer. */
export function diagnoseOwn(input: DiagnosisInput): OwnDiagnosis {
  const issues: Issue[] = [];
  for (const s of input.streams) {
    if (s.intervals.length === 0) continue;
    issues.push(...lossIssues(s), ...repairedLossIssues(s), ...rttIssues(s));
    if (s.medium === 'audio' || s.medium === 'screenshare') issues.push(...jitterIssues(s));
    issues.push(
      ...bandwidthIssues(s),
      ...cpuIssues(s),
      ...freezeIssues(s),
      ...concealmentIssues(s),
      ...noMediaIssues(s),
    );
  }
  issues.push(...iceIssues(input), ...relayIssues(input), ...deviceIssues(input));
  attributeOwn(issues, input.streams);
  attributeLimitation(issues, input.streams);
  markAllSilent(issues, input.streams);
  issues.push(...precallIssues(input.precall, issues));
  let truncated = false;
  if (issues.length > MAX_OWN_ISSUES) {
    issues.sort(byImportance);
    issues.length = MAX_OWN_ISSUES;
    truncated = true;
  }
  const present = { send: new Set<Medium>(), receive: new Set<Medium>() };
  const withData = input.streams.filter((s) => s.intervals.length > 0);
  for (const s of withData) present[s.direction].add(s.medium);
  const own: OwnDiagnosis = {
    method: DIAGNOSIS_METHOD,
    issues,
    producers: producerSummaries(input.streams),
    received: withData
      .filter((s) => s.direction === 'receive')
      .map((s) => ({
        key: s.key,
        medium: s.medium,
        topology: s.topology,
        ssrc: s.ssrc,
        producer_id: s.producerId,
        remote_peer_id: s.remotePeerId,
      })),
    present: { send: [...present.send].sort(), receive: [...present.receive].sort() },
    streams: withData.length,
  };
  if (truncated) own.truncated = true;
  return own;
}

/** The own part as stored: without the advice lines (restored by {@link finishDiagnosis}). */
export function storableOwnDiagnosis(own: OwnDiagnosis): string {
  return JSON.stringify(own, (key, value) => (key === 'advice' ? undefined : value));
}

/** One issue as the report shows it. */
export type IssueJson = Omit<Issue, 'start' | 'end'> & {
  start: string;
  end: string;
  duration_s: number;
};

/** The report's `diagnosis` object. */
export interface DiagnosisReport {
  method: string;
  verdict: Verdict;
  summary: string;
  verdicts: Omit<Verdicts, 'peer'>;
  issues: IssueJson[];
  /** True when more than {@link MAX_ISSUES} issues were found (the least important were left out). */
  issues_truncated?: true;
  /** Other peers of the session whose sent streams were compared with this peer's received ones. */
  compared_with: string[];
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** Blame, merge, verdicts and sentence. `ctx` absent: no other peer to compare with (imports). */
export function finishDiagnosis(own: OwnDiagnosis, ctx?: BlameContext): DiagnosisReport {
  // The stored issues are not modified (blame rewrites attributions).
  // Advice is not stored (it is the same line for every issue of a kind).
  const copies = own.issues.map((i) => ({
    ...i,
    streams: [...i.streams],
    evidence: { ...i.evidence },
    attribution: { ...i.attribution },
    advice: ADVICE[i.kind],
  }));
  const blamed = applyBlame(
    copies,
    own.received,
    ctx ?? { selfPeerId: '', others: [], sessionPeers: 1 },
  );
  const merged = mergeIssues(blamed);
  const verdicts = verdictsOf(merged, own.present);
  const labels = new Map(
    (ctx?.others ?? []).filter((o) => o.label).map((o) => [o.peerId, o.label as string]),
  );
  const kept = issuesByImportance(merged)
    .slice(0, MAX_ISSUES)
    .sort((a, b) => a.start - b.start || byImportance(a, b));
  const report: DiagnosisReport = {
    method: own.method,
    verdict: verdicts.peer,
    summary: summarySentence(merged, labels, own.streams),
    verdicts: { send: verdicts.send, receive: verdicts.receive },
    issues: kept.map((i) => ({
      ...i,
      start: isoOf(i.start),
      end: isoOf(i.end),
      duration_s: Math.round((i.end - i.start) / 100) / 10,
    })),
    compared_with: (ctx?.others ?? []).map((o) => o.peerId),
  };
  if (merged.length > MAX_ISSUES || own.truncated) report.issues_truncated = true;
  return report;
}

/** The whole diagnosis of one peer. */
export function diagnose(input: DiagnosisInput, ctx?: BlameContext): DiagnosisReport {
  return finishDiagnosis(diagnoseOwn(input), ctx);
}

/** The short form inside `quality_stats`. */
export function diagnosisSummary(d: DiagnosisReport): Record<string, unknown> {
  return {
    verdict: d.verdict,
    summary: d.summary,
    verdicts: d.verdicts,
    issues: d.issues.map((i) => ({
      kind: i.kind,
      severity: i.severity,
      direction: i.direction,
      medium: i.medium,
      start: i.start,
      end: i.end,
      cause: i.attribution.cause,
      peer_id: i.attribution.peer_id,
    })),
  };
}

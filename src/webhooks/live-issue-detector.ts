/**
 * Live issues for `peer.qualityAlert` (pure): what the diagnosis engine finds
 * wrong with a live peer right now, and for how long it has been wrong.
 *
 * The engine (src/analytics/diagnosis/, docs/diagnosis.md) runs over the
 * peer's recent telemetry exactly as for its report; an issue is *live* when
 * it is still going on at the newest interval of the streams it affects (the
 * newest interval of the peer for connection-wide issues): its episode has
 * not closed. Per issue kind, the most severe live issue is kept (the longest
 * among equals). The alert trigger (live-alerts.ts) decides which fire.
 */
import { diagnoseOwn, DIAGNOSIS_METHOD } from '../analytics/diagnosis/engine.ts';
import type { DiagnosisInput, Issue, Severity } from '../analytics/diagnosis/types.ts';
import { verdictRank } from '../analytics/diagnosis/verdict.ts';

/** Issue severities, least severe first (the diagnosis engine's). */
export const SEVERITIES: readonly Severity[] = ['fair', 'poor', 'bad'];

/** The alert severity names of earlier versions, accepted in the configuration as aliases. */
export const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = {
  minor: 'fair',
  major: 'poor',
  critical: 'bad',
};

/** Whether `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return verdictRank(a) >= verdictRank(b);
}

/** Names the detector in the alert (`alert.detector`): the diagnosis method. */
export const LIVE_DETECTOR_ID = DIAGNOSIS_METHOD;

/**
 * Kinds never alerted live: a precall prediction is not something happening
 * now, and a connection relayed over TCP is a fact of the whole call (it is in
 * the final report).
 */
const NOT_LIVE = new Set<Issue['kind']>(['precall_predicted', 'relay_over_tcp']);

/** An issue that is going on now. */
export interface LiveIssue {
  /** The diagnosis issue kind (alerts fire at most once per peer per kind per window). */
  kind: string;
  severity: Severity;
  /** When it began (epoch ms, the stats' clock). */
  since: number;
  /** How long it has lasted up to the newest interval (ms). */
  durationMs: number;
  /** What explains it (direction, medium, evidence, cause, streams), spread into the alert. */
  detail: Record<string, unknown>;
}

/**
 * The live issues of one peer from its recent telemetry (`input`: the same
 * input the report's diagnosis reads, restricted to recent chunks): one per
 * kind, the most severe, that has lasted at least `minDurationMs`.
 */
export function liveIssues(input: DiagnosisInput, options: { minDurationMs: number }): LiveIssue[] {
  const newestByStream = new Map<string, number>();
  let newest = Number.NEGATIVE_INFINITY;
  for (const s of input.streams) {
    const last = s.intervals.at(-1)?.t;
    if (last === undefined) continue;
    newestByStream.set(s.key, last);
    newest = Math.max(newest, last);
  }
  if (!Number.isFinite(newest)) return [];
  const byKind = new Map<string, LiveIssue>();
  for (const issue of diagnoseOwn(input).issues) {
    if (NOT_LIVE.has(issue.kind)) continue;
    const keys = issue.streams.map((s) => s.key).filter((k) => newestByStream.has(k));
    const current = keys.length
      ? Math.max(...keys.map((k) => newestByStream.get(k) as number))
      : newest;
    // Still open: its episode reaches the newest interval of its streams.
    if (issue.end < current) continue;
    const durationMs = issue.end - issue.start;
    if (durationMs < options.minDurationMs) continue;
    const prev = byKind.get(issue.kind);
    if (
      prev &&
      (verdictRank(prev.severity) > verdictRank(issue.severity) ||
        (prev.severity === issue.severity && prev.durationMs >= durationMs))
    )
      continue;
    byKind.set(issue.kind, {
      kind: issue.kind,
      severity: issue.severity,
      since: issue.start,
      durationMs,
      detail: {
        ...(issue.direction ? { direction: issue.direction } : {}),
        ...(issue.medium ? { medium: issue.medium } : {}),
        metric: issue.evidence.metric,
        worst: issue.evidence.worst,
        typical: issue.evidence.typical,
        threshold: issue.evidence.threshold,
        cause: issue.attribution.cause,
        streams: issue.streams.map((s) => s.key),
      },
    });
  }
  return [...byKind.values()];
}

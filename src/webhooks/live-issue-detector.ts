/**
 * Live issue detection for `peer.qualityAlert`: what is wrong with a live
 * peer right now, and for how long it has been wrong.
 *
 * {@link LiveIssueDetector} is the pluggable part: the alert trigger
 * (live-alerts.ts) only asks a detector for issues and decides when they
 * fire. The built-in {@link thresholdDetector} looks at the recent
 * per-interval figures of each stream (loss, round-trip time, jitter) against
 * fixed thresholds; the diagnosis engine is meant to replace it, behind the
 * same interface. Pure.
 */
import type { MetricRow } from '../analytics/metric-row.ts';

/** Issue severities, least severe first. */
export const SEVERITIES = ['minor', 'major', 'critical'] as const;

/** How bad an issue is. */
export type Severity = (typeof SEVERITIES)[number];

/** Whether `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b);
}

/** One stream's recent per-interval rows (oldest first). */
export interface LiveStream {
  series: string;
  streamKey: string;
  rows: readonly MetricRow[];
}

/** An issue that is going on now. */
export interface LiveIssue {
  /** Stable name of the issue kind (alerts fire at most once per peer per kind per window). */
  kind: string;
  severity: Severity;
  /** When it began (epoch ms, the stats' clock). */
  since: number;
  /** How long it has lasted up to the newest interval (ms). */
  durationMs: number;
  /** Figures that explain it (series, value, threshold…), spread into the alert. */
  detail: Record<string, unknown>;
}

/** Finds the issues of one live peer. */
export interface LiveIssueDetector {
  /** Names the detector in the alert (`alert.detector`). */
  readonly id: string;
  /**
   * The peer's issues that have lasted at least `minDurationMs`, one per kind
   * (the most severe level that lasted that long).
   */
  detect(streams: readonly LiveStream[], options: { minDurationMs: number }): LiveIssue[];
}

/** A threshold rule: a figure of the row and its level per severity (higher is worse). */
interface ThresholdRule {
  kind: string;
  metric: 'loss' | 'rtt' | 'jit';
  unit: string;
  /** Applies to these series (all when absent). */
  series?: (series: string) => boolean;
  levels: Record<Severity, number>;
}

/** The built-in rules (levels from ITU-T G.114 / G.1020 rules of thumb for interactive calls). */
export const THRESHOLD_RULES: readonly ThresholdRule[] = [
  { kind: 'packet_loss', metric: 'loss', unit: '%', levels: { minor: 2, major: 5, critical: 15 } },
  {
    kind: 'high_rtt',
    metric: 'rtt',
    unit: 'ms',
    levels: { minor: 300, major: 500, critical: 1000 },
  },
  {
    kind: 'high_jitter',
    metric: 'jit',
    unit: 'ms',
    series: (s) => s.includes('audio'),
    levels: { minor: 30, major: 50, critical: 100 },
  },
];

/** Start of a row's interval (ms). */
const rowStart = (r: MetricRow) => r.t - (r.d ?? 0) * 1000;

/**
 * How long the newest rows of `rows` (oldest first) have all had `metric` ≥
 * `threshold`, and since when; undefined when the newest row is below it.
 */
export function sustainedRun(
  rows: readonly MetricRow[],
  metric: ThresholdRule['metric'],
  threshold: number,
): { since: number; until: number; worst: number } | undefined {
  let since: number | undefined;
  let worst = Number.NEGATIVE_INFINITY;
  for (let i = rows.length - 1; i >= 0; i--) {
    const v = rows[i][metric];
    if (v === undefined || !(v >= threshold)) break;
    since = rowStart(rows[i]);
    worst = Math.max(worst, v);
  }
  if (since === undefined) return undefined;
  return { since, until: rows[rows.length - 1].t, worst };
}

/** The built-in detector: per-interval figures over {@link THRESHOLD_RULES} for long enough. */
export const thresholdDetector: LiveIssueDetector = {
  id: 'threshold@1',
  detect(streams, { minDurationMs }) {
    const issues = new Map<string, LiveIssue>();
    for (const rule of THRESHOLD_RULES) {
      for (const stream of streams) {
        if (rule.series && !rule.series(stream.series)) continue;
        for (const severity of [...SEVERITIES].reverse()) {
          const run = sustainedRun(stream.rows, rule.metric, rule.levels[severity]);
          if (!run || run.until - run.since < minDurationMs) continue;
          const prev = issues.get(rule.kind);
          if (!prev || SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(prev.severity)) {
            issues.set(rule.kind, {
              kind: rule.kind,
              severity,
              since: run.since,
              durationMs: run.until - run.since,
              detail: {
                series: stream.series,
                metric: rule.metric,
                worst: run.worst,
                threshold: rule.levels[severity],
                unit: rule.unit,
              },
            });
          }
          break;
        }
      }
    }
    return [...issues.values()];
  },
};

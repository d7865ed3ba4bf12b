/**
 * "The precall test predicted this": when the precall result already showed
 * the network problem that the call then had, say so (it tells support the
 * user was warned, or could have been).
 */
import { ADVICE } from './advice.ts';
import { PRECALL } from './thresholds.ts';
import type { DiagnosisPrecall, Issue, IssueKind } from './types.ts';

interface Prediction {
  kinds: readonly IssueKind[];
  metric: string;
  value: number;
  threshold: number;
}

/** What the precall result predicts. */
export function precallPredictions(p: DiagnosisPrecall): Prediction[] {
  const out: Prediction[] = [];
  if (p.fractionalLoss !== undefined && p.fractionalLoss >= PRECALL.lossFraction)
    out.push({
      kinds: ['packet_loss', 'audio_concealment', 'video_freeze'],
      metric: 'precall_loss_pct',
      value: p.fractionalLoss * 100,
      threshold: PRECALL.lossFraction * 100,
    });
  if (p.rttMs !== undefined && p.rttMs >= PRECALL.rttMs)
    out.push({
      kinds: ['high_rtt'],
      metric: 'precall_rtt_ms',
      value: p.rttMs,
      threshold: PRECALL.rttMs,
    });
  if (p.jitterMs !== undefined && p.jitterMs >= PRECALL.jitterMs)
    out.push({
      kinds: ['jitter', 'audio_concealment'],
      metric: 'precall_jitter_ms',
      value: p.jitterMs,
      threshold: PRECALL.jitterMs,
    });
  if (p.throughputKbps !== undefined && p.throughputKbps < PRECALL.throughputKbps)
    out.push({
      kinds: ['bandwidth_limited'],
      metric: 'precall_throughput_kbps',
      value: p.throughputKbps,
      threshold: PRECALL.throughputKbps,
    });
  if (
    p.relayConnectivity === false &&
    p.reflexiveConnectivity === false &&
    p.hostConnectivity !== true
  )
    out.push({
      kinds: ['ice_failed', 'relay_over_tcp'],
      metric: 'precall_connectivity',
      value: 0,
      threshold: 1,
    });
  return out;
}

/** One `precall_predicted` issue per prediction that an in-call issue confirmed. */
export function precallIssues(
  precall: DiagnosisPrecall | undefined,
  issues: readonly Issue[],
): Issue[] {
  if (!precall) return [];
  const out: Issue[] = [];
  for (const p of precallPredictions(precall)) {
    const hit = issues.filter((i) => p.kinds.includes(i.kind));
    if (hit.length === 0) continue;
    const first = hit.reduce((a, b) => (b.start < a.start ? b : a));
    out.push({
      kind: 'precall_predicted',
      severity: 'fair',
      start: precall.ts,
      end: precall.ts,
      streams: [],
      evidence: {
        metric: p.metric,
        worst: Math.round(p.value * 10) / 10,
        typical: Math.round(p.value * 10) / 10,
        threshold: p.threshold,
        samples: 1,
        detail: { confirmed_by: first.kind },
      },
      attribution: {
        ...first.attribution,
        reason: `the precall test measured ${p.metric.replace('precall_', '').replace(/_/g, ' ')} ${Math.round(p.value * 10) / 10} before the call; the call then had ${first.kind.replace(/_/g, ' ')}`,
      },
      advice: ADVICE.precall_predicted,
    });
  }
  return out;
}

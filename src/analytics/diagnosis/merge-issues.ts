/**
 * Joins issues that say the same thing: same kind, direction, medium and
 * cause, overlapping or closer than the episode merge gap (e.g. the audio and
 * the second audio stream of one sender, or three streams of a downlink).
 */
import { EPISODE } from './thresholds.ts';
import { round } from './episodes.ts';
import { verdictRank } from './verdict.ts';
import type { Issue } from './types.ts';

const CONFIDENCE = ['low', 'medium', 'high'] as const;

function keyOf(i: Issue): string {
  // The peer counts only when it is the cause; otherwise it is just who was compared with.
  return [
    i.kind,
    i.direction ?? '',
    i.medium ?? '',
    i.attribution.cause,
    i.attribution.cause === 'remote_peer' ? (i.attribution.peer_id ?? '') : '',
  ].join('|');
}

/** The merged issues, in start order. */
export function mergeIssues(issues: readonly Issue[]): Issue[] {
  const sorted = [...issues].sort((a, b) => a.start - b.start || a.end - b.end);
  const open = new Map<string, Issue>();
  const out: Issue[] = [];
  for (const i of sorted) {
    const k = keyOf(i);
    const cur = open.get(k);
    if (
      cur &&
      i.start - cur.end <= EPISODE.mergeGapMs &&
      i.evidence.metric === cur.evidence.metric
    ) {
      cur.end = Math.max(cur.end, i.end);
      for (const s of i.streams) if (!cur.streams.some((c) => c.key === s.key)) cur.streams.push(s);
      const n = cur.evidence.samples + i.evidence.samples;
      cur.evidence.typical = round(
        (cur.evidence.typical * cur.evidence.samples + i.evidence.typical * i.evidence.samples) / n,
        2,
      );
      cur.evidence.worst = Math.max(cur.evidence.worst, i.evidence.worst);
      cur.evidence.samples = n;
      if (verdictRank(i.severity) > verdictRank(cur.severity)) cur.severity = i.severity;
      if (
        CONFIDENCE.indexOf(i.attribution.confidence) >
        CONFIDENCE.indexOf(cur.attribution.confidence)
      )
        cur.attribution = { ...i.attribution };
      if (
        cur.attribution.cause !== 'remote_peer' &&
        cur.attribution.peer_id !== i.attribution.peer_id
      )
        delete cur.attribution.peer_id;
      continue;
    }
    const copy: Issue = {
      ...i,
      streams: [...i.streams],
      evidence: { ...i.evidence },
      attribution: { ...i.attribution },
    };
    open.set(k, copy);
    out.push(copy);
  }
  return out;
}

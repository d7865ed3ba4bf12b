/** Builds an {@link Issue} from an episode of one stream. */
import { ADVICE } from './advice.ts';
import { median, round, type RawEpisode } from './episodes.ts';
import type {
  AffectedStream,
  Attribution,
  DiagnosisStream,
  Issue,
  IssueKind,
  Severity,
} from './types.ts';

/** The affected-stream entry of a stream. */
export function affected(s: DiagnosisStream): AffectedStream {
  const out: AffectedStream = { key: s.key };
  if (s.ssrc !== undefined) out.ssrc = s.ssrc;
  if (s.remotePeerId !== undefined) out.remote_peer_id = s.remotePeerId;
  if (s.producerId !== undefined) out.producer_id = s.producerId;
  return out;
}

/** What varies between the issues of sample-based rules. */
export interface EpisodeIssueSpec {
  kind: IssueKind;
  metric: string;
  threshold: number;
  severity: Severity;
  attribution: Attribution;
  /** `low`: smaller values are worse (worst = min). */
  worse?: 'high' | 'low';
  detail?: Record<string, number | string>;
}

/** An issue covering `episode` of `stream`. */
export function episodeIssue(
  stream: DiagnosisStream,
  episode: RawEpisode,
  spec: EpisodeIssueSpec,
): Issue {
  const worst = spec.worse === 'low' ? Math.min(...episode.values) : Math.max(...episode.values);
  const issue: Issue = {
    kind: spec.kind,
    severity: spec.severity,
    direction: stream.direction,
    medium: stream.medium,
    start: episode.start,
    end: episode.end,
    streams: [affected(stream)],
    evidence: {
      metric: spec.metric,
      worst: round(worst, 2),
      typical: round(median(episode.values), 2),
      threshold: spec.threshold,
      samples: episode.values.length,
    },
    attribution: spec.attribution,
    advice: ADVICE[spec.kind],
  };
  if (spec.detail) issue.evidence.detail = spec.detail;
  return issue;
}

/** A placeholder attribution that `attribution.ts` refines. */
export function pathUnknown(reason: string): Attribution {
  return { cause: 'network_path', confidence: 'low', reason };
}

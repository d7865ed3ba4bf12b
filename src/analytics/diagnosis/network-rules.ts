/**
 * Network rules, per stream: packet loss, high round-trip time and jitter.
 * A sent stream's figures come from the receiver's RTCP reports
 * (`remote-inbound-rtp`), a received stream's from this peer's own counters.
 * Their attribution is settled afterwards (`attribution.ts`, `blame.ts`).
 */
import { findEpisodes } from './episodes.ts';
import { episodeIssue, pathUnknown } from './issue-builder.ts';
import { gradeHigh, JITTER, LOSS, RTT } from './thresholds.ts';
import { median } from './episodes.ts';
import { lossNetOfLateArrivals } from './late-arrivals.ts';
import type { DiagnosisInterval, DiagnosisStream, Issue } from './types.ts';

/** Packet-loss issues of one stream, net of packets that arrived late (late-arrivals.ts). */
export function lossIssues(stream: DiagnosisStream): Issue[] {
  const net = lossNetOfLateArrivals(stream.intervals, stream.direction);
  const netOf = new Map(net?.map((v, k) => [stream.intervals[k], v]));
  const loss = net ? (i: DiagnosisInterval) => netOf.get(i) : (i: DiagnosisInterval) => i.lossPct;
  return findEpisodes(stream.intervals, loss, { ...LOSS, typicalPastEnter: true }).map((e) =>
    episodeIssue(stream, e, {
      kind: 'packet_loss',
      metric: 'packet_loss_pct',
      threshold: LOSS.enter,
      severity: gradeHigh(median(e.values), LOSS),
      attribution: pathUnknown('loss seen on this stream only'),
    }),
  );
}

/** High-RTT issues of one stream. */
export function rttIssues(stream: DiagnosisStream): Issue[] {
  return findEpisodes(stream.intervals, (i) => i.rttMs, { ...RTT, typicalPastEnter: true }).map(
    (e) =>
      episodeIssue(stream, e, {
        kind: 'high_rtt',
        metric: 'rtt_ms',
        threshold: RTT.enter,
        severity: gradeHigh(median(e.values), RTT),
        attribution: {
          cause: 'network_path',
          confidence: 'medium',
          reason:
            'round-trip time is a property of the whole path between the two ends; it cannot be split by direction',
        },
      }),
  );
}

/** Jitter issues of one stream. */
export function jitterIssues(stream: DiagnosisStream): Issue[] {
  return findEpisodes(stream.intervals, (i) => i.jitterMs, {
    ...JITTER,
    typicalPastEnter: true,
  }).map((e) =>
    episodeIssue(stream, e, {
      kind: 'jitter',
      metric: 'jitter_ms',
      threshold: JITTER.enter,
      severity: gradeHigh(median(e.values), JITTER),
      attribution: pathUnknown('jitter seen on this stream only'),
    }),
  );
}

/**
 * Repaired loss on received video: loss that NACK/RTX hid from the loss
 * counters. On an SFU that retransmits, downlink loss on video shows as 0 %
 * lost and only as NACKs, retransmissions and freezes (issue 13), so the loss
 * rule sees nothing. This rule reads the repair counters of each interval
 * (NACKs this peer sent, retransmitted packets it received) against the
 * packets received, and reports a `packet_loss` issue with the metric
 * `repaired_loss_pct`, which blame and attribution treat like any loss.
 */
import { findEpisodes, median } from './episodes.ts';
import { episodeIssue, pathUnknown } from './issue-builder.ts';
import { lostPackets, ownPackets, repairedPackets } from './received-counts.ts';
import { gradeHigh, LOSS, REPAIR } from './thresholds.ts';
import type { DiagnosisInterval, DiagnosisStream, Issue, Severity } from './types.ts';

/**
 * Packets lost and repaired per 100 packets the sender sent in an interval
 * (the stream's own packets received plus those counted lost; see
 * received-counts.ts for the W3C semantics). With RTX a repair is bounded by
 * the packets counted lost (most RTX packets are bandwidth probes, and Chrome
 * keeps an RTX-repaired packet counted lost, so the loss rule already judges
 * it); without RTX the NACKs sent are the only trace. Undefined when unknown,
 * on a stream's first sample, with too few packets to judge, or when the loss
 * counters already show the loss (the loss rule reports it; counting it twice
 * would double the issue).
 */
export function repairedLossPct(i: DiagnosisInterval): number | undefined {
  const own = ownPackets(i);
  if (i.d === undefined || own === undefined || own < REPAIR.minPackets) return undefined;
  if (i.lossPct !== undefined && i.lossPct >= LOSS.enter) return undefined;
  const repaired = repairedPackets(i);
  if (repaired === undefined) return undefined;
  const sent = own + (lostPackets(i) ?? 0);
  return Math.round((repaired / sent) * 1000) / 10;
}

const MILDER: Record<Severity, Severity> = { fair: 'fair', poor: 'poor', bad: 'poor' };

/** Repaired-loss issues of one received video or screen-share stream. */
export function repairedLossIssues(stream: DiagnosisStream): Issue[] {
  if (stream.direction !== 'receive' || stream.medium === 'audio') return [];
  return findEpisodes(stream.intervals, repairedLossPct, {
    ...REPAIR,
    typicalPastEnter: true,
  }).map((e) => {
    const during = stream.intervals.filter((i) => i.t > e.start && i.t <= e.end);
    const sum = (f: (i: DiagnosisInterval) => number | undefined) =>
      during.reduce((a, i) => a + (f(i) ?? 0), 0);
    return episodeIssue(stream, e, {
      kind: 'packet_loss',
      metric: 'repaired_loss_pct',
      threshold: REPAIR.enter,
      severity: MILDER[gradeHigh(median(e.values), REPAIR)],
      detail: {
        nacks: sum((i) => i.nackCount),
        retransmitted_packets: sum((i) => i.retransmittedPackets),
        packets_received: sum((i) => i.packets),
        // Retransmissions are part of packets_received (W3C); the stream's own packets are the rest.
        own_packets_received: sum(ownPackets),
      },
      attribution: pathUnknown('loss repaired by retransmission, seen on this stream only'),
    });
  });
}

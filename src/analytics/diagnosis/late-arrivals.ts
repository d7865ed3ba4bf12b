/**
 * Loss net of late arrivals. A browser counts a packet lost as soon as a later
 * one arrived (`packetsLost` = expected − received, RFC 3550 §6.4.1), so
 * packets that overtake each other (jitter that reorders, a radio link that
 * retransmits, a same-SSRC retransmission) are counted lost at one sample and,
 * when they arrive, the counter goes down again. The receiver's RTCP reports
 * carry the same counter to the sender (`remote-inbound-rtp`), whose
 * `fractionLost` clamps the fall at 0 the same way. The per-interval rows clamp
 * the fall at 0 and carry it as `packetsRepaired` (row `rp`).
 *
 * Without netting, every interval of a reordering path shows a few percent of
 * loss that was never lost (measured in the scenario suite: 38 counted lost and
 * 41 arriving late on the receiver, 5–12 % "loss" per interval; 7–11 % on the
 * sender's view of the same path), and it outranked the jitter that caused it.
 *
 * Each fall settles the most recent earlier rise still outstanding (a packet
 * that arrives late is one of the newest missing). There is no time limit on
 * how far back: a fall that reaches past every recent rise takes the counter
 * below that old level, and since true loss never goes down and the counter is
 * true loss plus the packets still missing, those old packets were not lost
 * either. (A 5 s limit used to leave a reordering burst's first interval
 * "lost" when the fall that settled it came 5.0x s later.) Pure.
 */
import { lostPackets, ownPackets } from './received-counts.ts';
import type { DiagnosisInterval, Direction } from './types.ts';

/**
 * The loss percent of each interval once the packets that arrived later are
 * taken out. Same length as `intervals`; an interval keeps its own loss where
 * nothing of it was settled or its counts are unknown. Undefined when no
 * packet arrived late (the rows' own loss stands).
 *
 * Received streams: the count left over the stream's own packets. Sent
 * streams (loss from the receiver's reports, often its `fractionLost`): the
 * row's loss scaled by the share of its counted packets left lost.
 */
export function lossNetOfLateArrivals(
  intervals: readonly DiagnosisInterval[],
  direction: Direction,
): (number | undefined)[] | undefined {
  if (!intervals.some((i) => (i.repairedPackets ?? 0) > 0)) return undefined;
  const lost = intervals.map(countedLost);
  const net = [...lost];
  for (let k = 0; k < intervals.length; k++) {
    let late = intervals[k].repairedPackets ?? 0;
    for (let j = k - 1; j >= 0 && late > 0; j--) {
      const owed = net[j];
      if (owed === undefined || owed <= 0) continue;
      const settled = Math.min(owed, late);
      net[j] = owed - settled;
      late -= settled;
    }
  }
  const out = intervals.map((i) => i.lossPct);
  // Send: a receiver report's fractionLost stays on the rows until the next report (every ~1–5 s), while its
  // counter moves once; the intervals that repeat a report's figure take that report's share.
  let share: number | undefined;
  for (let k = 0; k < intervals.length; k++) {
    const left = net[k];
    const counted = lost[k];
    const loss = intervals[k].lossPct;
    if (loss === undefined) {
      share = undefined;
      continue;
    }
    if (counted === undefined || counted <= 0) {
      const repeated =
        direction === 'send' &&
        counted === 0 &&
        !intervals[k].repairedPackets &&
        loss === intervals[k - 1]?.lossPct;
      if (repeated && share !== undefined) out[k] = loss * share;
      else share = undefined;
      continue;
    }
    share = left === undefined ? undefined : left / counted;
    if (left === undefined || left === counted) continue;
    const own = direction === 'receive' ? ownPackets(intervals[k]) : undefined;
    if (own !== undefined) out[k] = left + own > 0 ? (left / (left + own)) * 100 : 0;
    else out[k] = loss * share!;
  }
  return out;
}

/** Packets counted lost in the interval: the row's count (`pl`), else derived from its loss percent. */
function countedLost(i: DiagnosisInterval): number | undefined {
  return i.countedLost ?? lostPackets(i);
}

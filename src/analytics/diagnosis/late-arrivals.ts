/**
 * Received loss net of late arrivals. A browser counts a packet lost as soon as
 * a later one arrived (`packetsLost` = expected − received), so packets that
 * overtake each other (jitter that reorders, a radio link that retransmits)
 * are counted lost at one sample and, when they arrive, the counter goes down
 * again. The per-interval rows clamp that fall at 0 and carry it as
 * `packetsRepaired` (row `rp`): without netting, every interval of a reordering
 * path shows a few percent of loss that was never lost (measured in the
 * scenario suite: 24 counted lost, 24 arrived late, 7–10 % "loss" per interval).
 * Pure.
 */
import { lostPackets, ownPackets } from './received-counts.ts';
import type { DiagnosisInterval } from './types.ts';

/** How far back a late arrival may settle an earlier interval's loss, ms. */
const LATE_WINDOW_MS = 5_000;

/**
 * The loss percent of each interval after subtracting the packets that arrived
 * later (each late packet settles the most recent earlier loss within
 * {@link LATE_WINDOW_MS}). Same length as `intervals`; the value is the row's own
 * loss where nothing was settled or the counts are unknown. Undefined when no
 * packet arrived late (the rows' own loss stands).
 */
export function lossNetOfLateArrivals(
  intervals: readonly DiagnosisInterval[],
): (number | undefined)[] | undefined {
  if (!intervals.some((i) => (i.repairedPackets ?? 0) > 0)) return undefined;
  const out = intervals.map((i) => i.lossPct);
  // Lost packets per interval: loss % = lost / (own packets received + lost), see received-counts.ts.
  const lost = intervals.map(lostPackets);
  const net = [...lost];
  for (let k = 0; k < intervals.length; k++) {
    let late = intervals[k].repairedPackets ?? 0;
    for (let j = k - 1; j >= 0 && late > 0; j--) {
      if (intervals[k].t - intervals[j].t > LATE_WINDOW_MS) break;
      const owed = net[j];
      if (owed === undefined || owed <= 0) continue;
      const settled = Math.min(owed, late);
      net[j] = owed - settled;
      late -= settled;
    }
  }
  for (let k = 0; k < intervals.length; k++) {
    const n = net[k];
    const packets = ownPackets(intervals[k]);
    if (n === undefined || packets === undefined || n === lost[k]) continue;
    out[k] = n + packets > 0 ? (n / (n + packets)) * 100 : 0;
  }
  return out;
}

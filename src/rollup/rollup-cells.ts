/**
 * The coarser and two-dimensional rollup buckets ("cells", pure), kept next
 * to the per-day single-dimension buckets of `rollup_buckets`:
 * - **week cells**: the same single-dimension buckets per ISO week (Monday to
 *   Sunday, UTC), so a 90-day `group_by` reads ~13 weeks plus ≤ 12 edge days
 *   instead of 90 days;
 * - **pair cells**: per day and per week, one bucket per value pair of every
 *   two dimensions (`browser=Safari × country=DE`), so a filter on one
 *   dimension grouped by another, or filters on two dimensions, are merged
 *   from buckets instead of read from the per-peer rows.
 * A pair is stored once, its dimensions in {@link ROLLUP_DIMENSIONS} order
 * (`a` before `b`); both orders are read through an index each.
 * A peer counts in one cell of every kind on its finishing day (UTC) and in
 * the week of that day, exactly like the day buckets.
 */
import { ROLLUP_DIMENSIONS, type PeerRollup, type RollupDimension } from './peer-rollup.ts';

/** `d`: one UTC day; `w`: the ISO week (Monday..Sunday, UTC) starting on `period`. */
export type Grain = 'd' | 'w';

/** A cell's key: grain, period (a day, or the Monday of a week), and one or two (dimension, value)s. */
export interface CellKey {
  grain: Grain;
  period: string;
  /** '' for a single-dimension cell. */
  a_dim: string;
  a_value: string;
  /** `all` (value '') or a dimension. */
  b_dim: string;
  b_value: string;
}

const DAY_MS = 86_400_000;

/** Epoch ms of the start of a UTC day `YYYY-MM-DD`. */
function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The Monday (UTC) of the ISO week of `day`. */
export function weekOf(day: string): string {
  const t = dayMs(day);
  const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return dayOf(t - weekday * DAY_MS);
}

/** The two dimensions of a pair in stored order. */
export function pairOrder(
  x: RollupDimension,
  y: RollupDimension,
): [RollupDimension, RollupDimension] {
  return ROLLUP_DIMENSIONS.indexOf(x) < ROLLUP_DIMENSIONS.indexOf(y) ? [x, y] : [y, x];
}

/** Every stored pair of dimensions (15). */
export const DIMENSION_PAIRS: readonly [RollupDimension, RollupDimension][] =
  ROLLUP_DIMENSIONS.flatMap((a, i) =>
    ROLLUP_DIMENSIONS.slice(i + 1).map((b) => [a, b] as [RollupDimension, RollupDimension]),
  );

/**
 * The cells a peer counts in (besides its day buckets of `rollup_buckets`):
 * its week's single-dimension cells (`all` and each dimension; `hour` is
 * grouped as a time series, by day, but filtered on over weeks), and its
 * day's and week's pair cells: 37 cells.
 */
export function cellKeysOf(p: Pick<PeerRollup, 'day' | RollupDimension>): CellKey[] {
  const week = weekOf(p.day);
  const out: CellKey[] = [
    { grain: 'w', period: week, a_dim: '', a_value: '', b_dim: 'all', b_value: '' },
  ];
  for (const dim of ROLLUP_DIMENSIONS) {
    out.push({ grain: 'w', period: week, a_dim: '', a_value: '', b_dim: dim, b_value: p[dim] });
  }
  for (const grain of ['d', 'w'] as const) {
    for (const [a, b] of DIMENSION_PAIRS)
      out.push({
        grain,
        period: grain === 'd' ? p.day : week,
        a_dim: a,
        a_value: p[a],
        b_dim: b,
        b_value: p[b],
      });
  }
  return out;
}

/** Periods covering a range of whole days: full weeks inside it, and the days before and after them. */
export interface RangePeriods {
  /** Days not covered by a full week (all days when `weeks` is empty). */
  days: string[];
  /** Mondays of the ISO weeks wholly inside the range. */
  weeks: string[];
}

/** All the days `fromDay`..`toDay` (inclusive), no weeks. */
export function dayPeriods(fromDay: string, toDay: string): RangePeriods {
  const days: string[] = [];
  for (let t = dayMs(fromDay); t <= dayMs(toDay); t += DAY_MS) days.push(dayOf(t));
  return { days, weeks: [] };
}

/** The fewest periods covering `fromDay`..`toDay`: every full ISO week inside it, and single days at the ends. */
export function rangePeriods(fromDay: string, toDay: string): RangePeriods {
  const all = dayPeriods(fromDay, toDay).days;
  const days: string[] = [];
  const weeks: string[] = [];
  let i = 0;
  while (i < all.length) {
    const d = all[i];
    if (weekOf(d) === d && i + 6 < all.length) {
      weeks.push(d);
      i += 7;
    } else {
      days.push(d);
      i++;
    }
  }
  return { days, weeks };
}

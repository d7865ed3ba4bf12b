/**
 * Event times written as local wall-clock text without a zone (Chrome 86-era
 * webrtc-internals `updateLog`: `"11/5/2020, 9:34:51 PM"` in en-US,
 * `"08/11/2020, 10:58:45"` in en-GB), anchored to the epoch times of the stats
 * series of the same dump. Pure.
 *
 * The text alone cannot tell the zone nor, for days <= 12, the day/month
 * order. Both are inferred together: every candidate (day first or month
 * first, UTC offset in quarter hours from -12:00 to +14:00) turns the event
 * texts into epoch times, and the one that places the events best against the
 * stats span wins: least total time outside the span, then the first event
 * nearest the first stats (a call's setup precedes its first stats by
 * seconds). One browser wrote the dump, so one clock serves every event of it.
 */

/** The fields of a zone-less date-time text, before the day/month order is known. */
export interface ZonelessTime {
  /** The two day/month numbers in written order (`a/b/year`); for year-first texts `a` is the month. */
  a: number;
  b: number;
  year: number;
  /** Milliseconds since midnight (12 h clock already resolved). */
  msOfDay: number;
  /** Year written first (`2020-11-05 ...`, `2020/11/05 ...`): month then day, no ambiguity. */
  yearFirst: boolean;
}

/** How the event texts of one dump are read. */
export interface EventClock {
  dayFirst: boolean;
  /** Local time minus UTC, in minutes (+180 for UTC+3). */
  offsetMinutes: number;
}

const DAY_FIRST_OR_MONTH_FIRST =
  /^(\d{1,2})[./-](\d{1,2})[./-](\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?\s*([AaPp]\.?\s?[Mm]\.?)?$/;
const YEAR_FIRST =
  /^(\d{4})[./-](\d{1,2})[./-](\d{1,2}),?\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?\s*([AaPp]\.?\s?[Mm]\.?)?$/;

/** Parses a local date-time text without a zone; undefined for anything else (ISO with a zone, epoch numbers...). */
export function parseZonelessTime(text: string): ZonelessTime | undefined {
  const t = text.trim();
  const yf = YEAR_FIRST.exec(t);
  const m = yf ?? DAY_FIRST_OR_MONTH_FIRST.exec(t);
  if (!m) return undefined;
  let hour = Number(m[4]);
  const meridiem = m[8]?.replace(/[.\s]/g, '').toLowerCase();
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const msOfDay = ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  if (yf) return { a: Number(m[2]), b: Number(m[3]), year: Number(m[1]), msOfDay, yearFirst: true };
  return { a: Number(m[1]), b: Number(m[2]), year: Number(m[3]), msOfDay, yearFirst: false };
}

/** Epoch ms of `t` read with `clock`, or undefined when that reading is not a real date. */
export function zonelessToEpoch(t: ZonelessTime, clock: EventClock): number | undefined {
  const dayFirst = t.yearFirst ? false : clock.dayFirst;
  const month = dayFirst ? t.b : t.a;
  const day = dayFirst ? t.a : t.b;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const midnight = Date.UTC(t.year, month - 1, day);
  if (new Date(midnight).getUTCDate() !== day) return undefined; // 31 April...
  return midnight + t.msOfDay - clock.offsetMinutes * 60_000;
}

const OFFSETS_MINUTES = Array.from({ length: (14 + 12) * 4 + 1 }, (_, i) => -12 * 60 + i * 15);

/**
 * The clock that best fits `times` to the stats span `[from, to]` (epoch ms),
 * or undefined when no reading turns every text into a date. Without a span,
 * UTC and the only valid order (month first when both are).
 */
export function inferEventClock(
  times: readonly ZonelessTime[],
  span?: { from: number; to: number },
): EventClock | undefined {
  const orders = [false, true].filter((dayFirst) =>
    times.every((t) => zonelessToEpoch(t, { dayFirst, offsetMinutes: 0 }) !== undefined),
  );
  if (orders.length === 0) return undefined;
  if (!span) return { dayFirst: orders[0]!, offsetMinutes: 0 };
  let best: { clock: EventClock; outside: number; lead: number } | undefined;
  for (const dayFirst of orders) {
    for (const offsetMinutes of OFFSETS_MINUTES) {
      const clock = { dayFirst, offsetMinutes };
      let outside = 0;
      let first = Infinity;
      for (const t of times) {
        const at = zonelessToEpoch(t, clock) as number;
        outside += at < span.from ? span.from - at : at > span.to ? at - span.to : 0;
        first = Math.min(first, at);
      }
      const lead = Math.abs(first - span.from);
      if (!best || outside < best.outside || (outside === best.outside && lead < best.lead))
        best = { clock, outside, lead };
    }
  }
  return best?.clock;
}

/** `+03:00`, `-05:30`: the offset as written in ISO times. */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * Counter carry-forward between consecutive samples of one stream. Pure.
 *
 * A report may omit a counter it gave before (a stat missing from one poll, a
 * remote-inbound-rtp not yet refreshed); the next interval must then diff
 * against the last value seen, not restart from zero. Carrying the last value
 * into the sample kept as `prev` makes that explicit, so `deriveInterval` can
 * read a `prev` without a counter as "never reported in this stream" and count
 * a late counter from zero (stream-interval.ts). Live ingest keeps the carried
 * sample as its stream state, so the rule holds across batches too.
 */
import type { StreamSample } from '../model/telemetry.ts';
import { MONOTONIC_COUNTERS, resetReason } from './stream-interval.ts';
import { compileFieldScan } from './compile-field-scan.ts';

/** Cumulative figures diffed per interval, besides the monotonic counters. */
const OTHER_CUMULATIVE = ['packets_lost', 'total_rtt_s', 'rtt_measurements'] as const;

/** The counters carried forward (`quality_limitation_durations`, an object, is carried too). */
const CARRIED_COUNTERS = [...MONOTONIC_COUNTERS, ...OTHER_CUMULATIVE];

/** True when `prev` has a carried field that `cur` lacks (the rare case: most samples repeat every counter). */
const lacksCarriedField = compileFieldScan<
  (prev: StreamSample, cur: StreamSample) => true | undefined
>([...CARRIED_COUNTERS, 'quality_limitation_durations'], (f) =>
  f === 'quality_limitation_durations'
    ? `if (cur.${f} === undefined && prev.${f} !== undefined) return true;`
    : `if (cur.${f} === undefined && typeof prev.${f} === 'number') return true;`,
);

/**
 * `cur` with the cumulative counters it lacks taken from `prev`, when `cur`
 * continues `prev` (same SSRC, no counter reset); otherwise `cur` itself.
 */
export function withCarriedCounters(
  prev: StreamSample | undefined,
  cur: StreamSample,
): StreamSample {
  if (prev === undefined || resetReason(prev, cur) !== undefined) return cur;
  if (lacksCarriedField(prev, cur) === undefined) return cur;
  let out: StreamSample | undefined;
  for (const key of CARRIED_COUNTERS) {
    if (cur[key] === undefined && typeof prev[key] === 'number') {
      out ??= { ...cur };
      out[key] = prev[key];
    }
  }
  if (
    cur.quality_limitation_durations === undefined &&
    prev.quality_limitation_durations !== undefined
  ) {
    out ??= { ...cur };
    out.quality_limitation_durations = prev.quality_limitation_durations;
  }
  return out ?? cur;
}

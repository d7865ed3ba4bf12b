/**
 * The one normaliser of `getStats()` reports: used by the browser collector (bundled with
 * esbuild) and by the dump importer. Pure, zero-dependency, browser-safe.
 */
import { candidatePairSample, selectedPairs, transportSummary } from './candidate-pairs.ts';
import { listStats, StatIndex } from './stat-index.ts';
import { streamSamples } from './stream-samples.ts';
import type { NormalizedStats, NormalizeOptions, RawStatsReport } from './types.ts';

/**
 * Turns one raw W3C `getStats()` report of one RTCPeerConnection into contract shapes.
 *
 * - One producer `StreamSample` per `outbound-rtp` (simulcast layers stay separate, with `rid`)
 *   and one consumer sample per `inbound-rtp`; counters stay cumulative; jitter and RTT in ms.
 * - RTT: `remote-inbound-rtp.roundTripTime` (producer) or `remote-outbound-rtp.roundTripTime`
 *   (consumer), else the selected candidate pair's `currentRoundTripTime`; `rtt_source` says which.
 * - Every `candidate-pair` (or only the selected ones, see `options.candidatePairs`) with its
 *   local/remote candidate details; `selected` marks the transport's selected pair.
 * - `ts` is `input.ts` or, when absent, the largest stat timestamp (or `Date.now()` for a report
 *   without timestamps), rounded to an integer ms.
 */
export function normalizeStatsReport(
  input: RawStatsReport,
  options: NormalizeOptions = {},
): NormalizedStats {
  const index = new StatIndex(listStats(input.stats));
  const ts = Math.round(input.ts ?? index.maxTimestamp() ?? Date.now());
  const selected = selectedPairs(index);
  const selectedIds = new Set([...selected.values()].map((pair) => pair.id));
  const codecs: Record<string, string> = {};
  const samples = streamSamples({ index, pc: input.pc, ts, options, selected, codecs });
  const pairs = index
    .ofType('candidate-pair')
    .filter((pair) => options.candidatePairs !== 'selected' || selectedIds.has(pair.id));
  const candidate_pairs = pairs.map((pair) =>
    candidatePairSample(index, pair, input.pc, ts, selectedIds.has(pair.id)),
  );
  const result: NormalizedStats = { ts, samples, candidate_pairs, codecs };
  const transport = transportSummary(index, selected);
  if (transport) result.transport = transport;
  return result;
}

/**
 * Samples that arrive after newer ones of their stream (batch 2 after batch
 * 3: a retry race, or a client that sends in parallel) are stored in the gap
 * they belong to, exactly, without counting anything twice (pure, no I/O).
 *
 * When batch 3 was stored, its first sample N was derived against the last
 * stored sample before it, P (the end of batch 1): N's row covers the whole
 * widened interval P→N, batch 2's time included. Batch 2's samples L1…Lk are
 * derived P→L1, L1→L2, …, and N's row is derived again, Lk→N: the intervals
 * tile P→N again, so sums (packets, bytes, duration) and time weights are
 * those of a call whose batches came in order. For that each stored chunk
 * keeps the cumulative samples at its two ends (`first_sample`,
 * `last_sample`; migration 011): a gap is bounded by one chunk's last sample
 * and the next chunk's first.
 *
 * What is not stored (counted in `skipped_samples`, as before): a sample at or
 * inside a stored chunk's time range (a resent sample, or a gap already merged
 * away by compaction), a sample after the last chunk (only an inherited
 * baseline of a rejoin can be there), and a sample before the first chunk when
 * that chunk did not start the stream (its first row has a baseline).
 */
import type { StreamSample } from '../model/telemetry.ts';
import { deriveInterval } from '../analytics/stream-interval.ts';
import { withCarriedCounters } from '../analytics/carry-counters.ts';
import { packMetricRows, unpackMetricRows } from '../analytics/metric-packing.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import type {
  ChunkEdge,
  ChunkHead,
  GapFill,
  GapGroup,
  NewChunkRow,
} from '../store/stored-stream-types.ts';

export type { ChunkEdge, ChunkHead, GapFill, GapGroup };

/** Groups one stream's late samples by gap (`edges` in time order); the rest is skipped. */
export function groupLateSamples(
  late: readonly StreamSample[],
  edges: readonly ChunkEdge[],
): { groups: GapGroup[]; skipped: number } {
  const groups = new Map<number, GapGroup>();
  let skipped = 0;
  for (const s of [...late].sort((a, b) => a.ts - b.ts)) {
    const i = edges.findIndex((e) => Number(e.first_ts) > s.ts);
    const prev = i > 0 ? edges[i - 1] : i === -1 ? edges[edges.length - 1] : undefined;
    const next = i === -1 ? undefined : edges[i];
    const usable =
      next !== undefined &&
      next.first_sample !== null &&
      (prev === undefined || (prev.last_sample !== null && s.ts > Number(prev.last_ts)));
    if (!usable) {
      skipped++;
      continue;
    }
    let group = groups.get(next.id);
    if (!group) groups.set(next.id, (group = { prev, next, samples: [] }));
    // Two late samples with one timestamp: the first wins, as with in-order samples.
    if (group.samples.length > 0 && group.samples[group.samples.length - 1].ts === s.ts) skipped++;
    else group.samples.push(s);
  }
  return { groups: [...groups.values()], skipped };
}

/**
 * Derives a gap's samples and the next chunk's new first row; undefined when
 * the gap cannot be filled exactly (before a first chunk that did not start
 * its stream).
 */
export function fillGap(
  peerId: string,
  streamKey: string,
  group: GapGroup,
  head: ChunkHead,
): GapFill | undefined {
  const nextMetrics = unpackMetricRows(head.metrics);
  // A first row without an interval length was derived without a baseline: the stream started there.
  if (group.prev === undefined && nextMetrics[0]?.d !== undefined) return undefined;
  let prev: StreamSample | undefined = group.prev
    ? (JSON.parse(group.prev.last_sample!) as StreamSample)
    : undefined;
  const rows: string[] = [];
  const metrics: MetricRow[] = [];
  let series = '';
  // The same steps as an in-order derivation (derive-stream-chunks.ts): each row names its track, and the
  // previous sample carries forward the counters a sample lacked.
  for (const sample of group.samples) {
    const derived = deriveInterval(prev, sample);
    derived.row.track = streamKey;
    series = derived.series;
    rows.push(JSON.stringify(derived.row));
    metrics.push(derived.metrics);
    prev = withCarriedCounters(prev, sample);
  }
  const first = group.samples[0];
  const last = prev!;
  const again = deriveInterval(last, JSON.parse(group.next.first_sample!) as StreamSample);
  again.row.track = streamKey;
  nextMetrics[0] = again.metrics;
  return {
    chunk: {
      account_id: '',
      received_at: 0,
      peer_id: peerId,
      series,
      stream_key: streamKey,
      first_ts: first.ts,
      last_ts: last.ts,
      n: rows.length,
      rows_json: Buffer.from(rows.join(','), 'utf8'),
      metrics: packMetricRows(metrics),
      first_sample: JSON.stringify(first),
      last_sample: JSON.stringify(last),
    },
    next: {
      id: group.next.id,
      rows_json: replaceFirstRow(head.rows_json, JSON.stringify(again.row)),
      metrics: packMetricRows(nextMetrics),
    },
  };
}

/** Stored rows (comma-joined JSON objects) with the first object replaced by `row`. */
export function replaceFirstRow(rowsJson: Buffer, row: string): Buffer {
  const text = rowsJson.toString('utf8');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return Buffer.from(row + text.slice(i + 1), 'utf8');
  }
  throw new Error('stored rows do not start with a JSON object');
}

/**
 * The aggregate parts of a peer report's quality: each series' `_cumulative`
 * object and the `quality_stats` summary, computed from the stored metric rows
 * (pure). A live peer's are computed on each request; a finished peer's are
 * computed once when its chunks are compacted and stored with it (they can no
 * longer change), so its report only splices stored bytes and parses a few KB.
 */
import { QUALITY_SERIES, type QualitySeries } from '../model/telemetry.ts';
import type { MetricRow } from './metric-row.ts';
import { cumulativeFor } from './cumulative.ts';
import { unpackMetricRows } from './metric-packing.ts';
import { qualitySummary } from './quality-summary.ts';
import { trackSummaries, type TrackInput } from './track-summary.ts';
import type { StreamSample } from '../model/telemetry.ts';

/** A report's quality aggregates. */
export interface QualityAggregates {
  /** `<series>_cumulative` of every series (an empty object for a series without rows). */
  cumulative: Record<QualitySeries, Record<string, unknown>>;
  /** `quality_stats` without `peer_ids`. */
  summary: Record<string, unknown>;
}

/**
 * Computes the aggregates of `chunks` (in report order: series, stream, time).
 * `lastSamples` (stream key → the stream's stored last sample, JSON) names the
 * tracks of `quality_stats.track_stats` / `remote_peer_stats` (track-summary.ts).
 * `rowsOut`, when given, receives the decoded metric rows by series (the
 * fleet rollups read them without decoding the chunks again).
 */
export function computeQualityAggregates(
  chunks: readonly {
    series: string;
    stream_key?: string;
    metrics: Uint8Array;
    /** `metrics` already decoded (a live peer's remembered chunk, store/live-chunk-cache.ts): never mutated. */
    decoded?: readonly MetricRow[];
  }[],
  lastSamples: ReadonlyMap<string, string> = new Map(),
  rowsOut?: Map<string, MetricRow[]>,
): QualityAggregates {
  const metricsBySeries = rowsOut ?? new Map<string, MetricRow[]>();
  const tracks = new Map<string, TrackInput>();
  for (const c of chunks) {
    let m = metricsBySeries.get(c.series);
    if (!m) metricsBySeries.set(c.series, (m = []));
    const from = m.length;
    if (c.decoded) for (const row of c.decoded) m.push(row);
    else unpackMetricRows(c.metrics, m);
    if (c.stream_key === undefined) continue;
    const trackKey = `${c.series}\u0000${c.stream_key}`;
    let t = tracks.get(trackKey);
    if (!t)
      tracks.set(
        trackKey,
        (t = {
          series: c.series as QualitySeries,
          stream_key: c.stream_key,
          last: lastSampleOf(lastSamples.get(c.stream_key)),
          rows: [],
        }),
      );
    for (let i = from; i < m.length; i++) (t.rows as MetricRow[]).push(m[i]);
  }
  const cumulative = {} as Record<QualitySeries, Record<string, unknown>>;
  for (const series of QUALITY_SERIES)
    cumulative[series] = cumulativeFor(series, metricsBySeries.get(series) ?? []);
  const summary = qualitySummary(
    Object.fromEntries(metricsBySeries) as Partial<Record<QualitySeries, MetricRow[]>>,
  );
  return { cumulative, summary: { ...summary, ...trackSummaries([...tracks.values()]) } };
}

function lastSampleOf(json: string | undefined): Partial<StreamSample> | undefined {
  if (json === undefined) return undefined;
  try {
    return JSON.parse(json) as Partial<StreamSample>;
  } catch {
    return undefined;
  }
}

/**
 * The aggregates stored with a peer, when they cover exactly its chunks
 * `chunkIds` (a chunk stored after them, or one they count that is gone,
 * makes them stale); undefined otherwise.
 */
export function storedQualityAggregates(
  peer: { quality_aggregates: string | null; quality_aggregates_upto: number | string | null },
  chunkIds: readonly (number | string)[],
): QualityAggregates | undefined {
  if (peer.quality_aggregates === null || peer.quality_aggregates_upto === null) return undefined;
  const upto = Number(peer.quality_aggregates_upto);
  const newest = chunkIds.reduce<number>((max, id) => Math.max(max, Number(id)), 0);
  if (newest !== upto) return undefined;
  const stored = JSON.parse(peer.quality_aggregates) as QualityAggregates;
  // Stored before the per-track aggregates existed: computed again (and complete) instead.
  return Array.isArray(stored.summary.track_stats) ? stored : undefined;
}

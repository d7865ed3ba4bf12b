/**
 * A report's quality aggregates, computed once per set of stored chunks. A live peer's aggregates are computed
 * from all its metric rows at each request (a 120-minute peer: 14,400 rows, ~20 ms, most of its report's CPU),
 * yet between two of its batches every request reads the same chunks: a dashboard refreshing, several people
 * looking at one call. They are kept in the report cache (its byte bound, and off with it) under a key that
 * changes with any change of the chunks: every write adds a chunk row (a batch, a late batch's gap, which also
 * rewrites the head of the chunk after it) or replaces some (a merge), so the list of chunk ids with their
 * counts and time ranges, and the streams' last samples, name the input exactly.
 */
import { createHash } from 'node:crypto';
import {
  computeQualityAggregates,
  type QualityAggregates,
} from '../analytics/quality-aggregates.ts';
import type { ListedChunk, StoredChunk } from '../store/quality-chunks-read.ts';
import type { ReportCache } from './report-cache.ts';

/** The cache key of the aggregates of `chunks` with `lastSamples`, for `peerId`. */
export function aggregatesKey(
  peerId: string,
  chunks: readonly ListedChunk[],
  lastSamples: ReadonlyMap<string, string>,
): string {
  const hash = createHash('sha256');
  for (const c of chunks)
    hash.update(`${c.id}|${c.series}|${c.stream_key}|${c.n}|${c.first_ts}|${c.last_ts}\n`);
  for (const [key, sample] of lastSamples) hash.update(`${key}\u0000${sample}\n`);
  return `aggregates|${peerId}|${hash.digest('base64url')}`;
}

/**
 * The aggregates of `chunks`: from `cache` when these chunks were aggregated before, else computed (and kept
 * when caching is on).
 */
export function cachedAggregates(
  cache: ReportCache,
  peerId: string,
  chunks: readonly StoredChunk[],
  lastSamples: ReadonlyMap<string, string> = new Map(),
): QualityAggregates {
  if (!cache.enabled) return computeQualityAggregates(chunks, lastSamples);
  const key = aggregatesKey(peerId, chunks, lastSamples);
  const hit = cache.get(key);
  if (hit) return JSON.parse(hit.toString('utf8')) as QualityAggregates;
  const aggregates = computeQualityAggregates(chunks, lastSamples);
  cache.set(key, Buffer.from(JSON.stringify(aggregates)));
  return aggregates;
}

/**
 * A live peer's stored chunk contents, kept between its report's requests.
 *
 * Why: a live report reads every chunk of the peer with its rows and metric columns. A chunk is stored once per
 * stream per batch, and merged only once it is a minute old (chunk-compaction.ts), so a 120-minute call that
 * came in quickly is 2,880 rows with 16 MB of contents: reading them took ~27 ms of SQLite work at each request,
 * most of a live report's cost. The list of chunks (ids, counts, time ranges) costs a quarter of that to read;
 * the contents of the chunks already seen are taken from here and only the others are read.
 *
 * When contents change, the list says so:
 * - a batch, or another process's batch, adds chunks (new ids);
 * - a merge replaces chunks by one row under the newest one's id, with a new count and first time;
 * - a late batch adds a chunk in a gap and rewrites the head of the chunk after it, under the same id, count and
 *   times: so a new chunk that starts before a remembered one of its stream drops that stream's remembered
 *   chunks.
 * An entry is used only when the chunk's id, count and both times match the list read in the same request.
 */
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Database } from './schema.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import { unpackMetricRows } from '../analytics/metric-packing.ts';
import type { StoreDialect } from './store-dialect.ts';
import {
  readChunkCount,
  readChunkList,
  readQualityChunks,
  type ListedChunk,
  type StoredChunk,
} from './quality-chunks-read.ts';

/** A remembered chunk, with its metric columns decoded once (a third of its aggregates' cost at each request). */
export type RememberedChunk = StoredChunk & { decoded: readonly MetricRow[] };

/** Heap bytes of one decoded metric row (an object of ~35 numbers), for the cache's bound. */
const DECODED_ROW_BYTES = 400;

/** Remembered contents of live peers' chunks, bounded in bytes (least recently used first out). */
export class LiveChunkCache {
  /** Absent when the bound is zero (off). */
  readonly #entries: LRUCache<string, RememberedChunk> | undefined;

  constructor(maxBytes: number) {
    this.#entries =
      maxBytes > 0
        ? new LRUCache({
            maxSize: maxBytes,
            sizeCalculation: (c) =>
              Math.max(
                1,
                c.rows_json.byteLength +
                  c.metrics.byteLength +
                  c.decoded.length * DECODED_ROW_BYTES,
              ),
          })
        : undefined;
  }

  /** Whether remembering is on. */
  get enabled(): boolean {
    return this.#entries !== undefined;
  }

  /** The remembered contents of `chunk` of `peerId`, when they are of this very chunk. */
  get(peerId: string, chunk: ListedChunk): RememberedChunk | undefined {
    const hit = this.#entries?.get(`${peerId}|${chunk.id}`);
    return hit && sameChunk(hit, chunk) ? hit : undefined;
  }

  /** Remembers `chunk` of `peerId` (decoding its metric columns); returns what is remembered. */
  set(peerId: string, chunk: StoredChunk): StoredChunk {
    if (!this.#entries) return chunk;
    const remembered: RememberedChunk = { ...chunk, decoded: unpackMetricRows(chunk.metrics) };
    this.#entries.set(`${peerId}|${chunk.id}`, remembered);
    return remembered;
  }

  /** Forgets `chunk` of `peerId`. */
  delete(peerId: string, chunk: Pick<StoredChunk, 'id'>): void {
    this.#entries?.delete(`${peerId}|${chunk.id}`);
  }
}

function sameChunk(a: ListedChunk, b: ListedChunk): boolean {
  return (
    Number(a.n) === Number(b.n) &&
    Number(a.first_ts) === Number(b.first_ts) &&
    Number(a.last_ts) === Number(b.last_ts) &&
    a.series === b.series &&
    a.stream_key === b.stream_key
  );
}

/**
 * The chunks of live `peerId` with their rows and metric columns, in report order (as `readQualityChunks`):
 * the list from the database, the contents from `cache` where they are unchanged, the rest read.
 */
export async function readLiveQualityChunks(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  cache: LiveChunkCache,
): Promise<StoredChunk[]> {
  if (!cache.enabled) return readQualityChunks(db, dialect, peerId);
  const list = await readChunkList(db, dialect, peerId);
  const known = list.map((c) => cache.get(peerId, c));
  // A chunk not remembered that starts before a remembered one of its stream is a late batch's gap: the chunk
  // after it had its head rewritten under the same identity, so nothing remembered of that stream is used.
  const latestKnownStart = new Map<string, number>();
  list.forEach((c, i) => {
    if (known[i]) latestKnownStart.set(c.stream_key, Number(c.first_ts));
  });
  const rewritten = new Set<string>();
  list.forEach((c, i) => {
    const latest = latestKnownStart.get(c.stream_key);
    if (!known[i] && latest !== undefined && Number(c.first_ts) < latest)
      rewritten.add(c.stream_key);
  });
  list.forEach((c, i) => {
    if (known[i] && rewritten.has(c.stream_key)) {
      cache.delete(peerId, c);
      known[i] = undefined;
    }
  });
  const missing = list.filter((_, i) => !known[i]);
  if (missing.length === 0) return known as StoredChunk[];
  // Most of them unknown (a first request): one read of all, rather than a list of thousands of ids.
  if (missing.length > list.length / 2)
    return remembered(peerId, cache, await readQualityChunks(db, dialect, peerId));
  const read = await readQualityChunks(db, dialect, peerId, {
    ids: missing.map((c) => Number(c.id)),
  });
  // A write between the list and this read changes the peer's chunk count or newest id. One that rewrote the head
  // of a chunk read here (a late batch's gap) would otherwise pair that head with a list without the gap's chunk.
  // Then, as when a chunk changed (merged or expired meanwhile): one read of all, consistent in itself.
  const changed = async () => {
    const now = await readChunkCount(db, peerId);
    return now.count !== list.length || now.newest !== Math.max(...list.map((c) => Number(c.id)));
  };
  const byId = new Map(read.map((c) => [Number(c.id), c]));
  const out: StoredChunk[] = [];
  for (const [i, c] of list.entries()) {
    const chunk = known[i] ?? byId.get(Number(c.id));
    if (!chunk || !sameChunk(chunk, c)) return readAll();
    out.push(chunk);
  }
  if (await changed()) return readAll();
  return out.map((c, i) => (known[i] ? c : cache.set(peerId, c)));

  async function readAll(): Promise<StoredChunk[]> {
    return remembered(peerId, cache, await readQualityChunks(db, dialect, peerId));
  }
}

/** `chunks`, each remembered (with its metric columns decoded). */
function remembered(peerId: string, cache: LiveChunkCache, chunks: StoredChunk[]): StoredChunk[] {
  return chunks.map((c) => cache.set(peerId, c));
}

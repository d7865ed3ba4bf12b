/**
 * Compaction of quality chunks: a finished peer's, and a live peer's recent ones.
 *
 * Ingest stores one chunk per stream per batch (a 60-minute peer: ~1,440
 * rows), which keeps every write small. Every few minutes while a peer is
 * live, and once after it has left (when its late batches can no longer
 * arrive), the chunks written since the last merge are merged: per stream,
 * consecutive chunks up to {@link MAX_MERGE_BYTES} of stored rows become one
 * row (the stored rows are concatenated in order: they are comma-joined JSON
 * already; the metric columns are re-packed), so the report reads tens of rows
 * instead of thousands and produces the same bytes. Rows merged earlier are
 * never rewritten.
 *
 * Runs in the background (every process's sweeper). Each merge is its own
 * short transaction, and the sweeper rests after each one as long as it took:
 * on SQLite a transaction holds the event loop, and rewriting a whole
 * 60-minute call at once held it for ~60 ms. A merge re-reads its chunks under
 * the peer's lock and gives up when another process merged them first, so
 * processes never merge twice. The merged row keeps the id of the newest chunk
 * it replaces, so a chunk written meanwhile stays above the merge mark and is
 * merged next time. A finished peer's aggregates, diagnosis, rollup and
 * `peer.qualityReport` are stored in a last transaction
 * (finished-peer-quality.ts).
 */
import type { Kysely } from 'kysely';
import type { Database, QualityChunksTable } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { packMetricRows, unpackMetricRows } from '../analytics/metric-packing.ts';
import {
  readChunkSummaries,
  readQualityChunks,
  type ChunkSummary,
  type StoredChunk,
} from './quality-chunks-read.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import { restAfterWork, yieldToEventLoop } from '../util/yield-to-event-loop.ts';
import { lockSessionVerdicts, storeFinishedPeerQuality } from './finished-peer-quality.ts';
import { lockRows } from './row-locks.ts';

/**
 * A live peer's chunks are merged only once they are this old: until then a
 * batch that went missing in between (a retry race) can still be placed in its
 * gap (ingest/late-samples.ts); once chunks around a gap are merged, its
 * samples are skipped (`skipped_samples` in the answer).
 */
export const LATE_BATCH_SETTLE_MS = 60_000;

/** The most stored-row bytes one merge writes: bounds one transaction (~5 ms on the embedded store). */
export const MAX_MERGE_BYTES = 256 * 1024;

/** The merged contents of consecutive chunks of one stream (ordered by `first_ts`). Pure. */
export function mergeChunks(
  peerId: string,
  chunks: readonly StoredChunk[],
): Pick<
  QualityChunksTable,
  | 'account_id'
  | 'peer_id'
  | 'series'
  | 'stream_key'
  | 'first_ts'
  | 'last_ts'
  | 'n'
  | 'rows_json'
  | 'metrics'
  | 'received_at'
> {
  const metrics: MetricRow[] = [];
  for (const c of chunks) unpackMetricRows(c.metrics, metrics);
  const parts: Buffer[] = [];
  for (const c of chunks) {
    if (parts.length) parts.push(COMMA);
    parts.push(c.rows_json);
  }
  const first = chunks[0];
  return {
    account_id: first.account_id,
    peer_id: peerId,
    series: first.series,
    stream_key: first.stream_key,
    first_ts: Math.min(...chunks.map((c) => Number(c.first_ts))),
    last_ts: Math.max(...chunks.map((c) => Number(c.last_ts))),
    n: chunks.reduce((a, c) => a + Number(c.n), 0),
    rows_json: Buffer.concat(parts),
    metrics: packMetricRows(metrics),
    // Kept as long as the newest data it holds (retention is by storage time).
    received_at: Math.max(...chunks.map((c) => Number(c.received_at))),
  };
}

const COMMA = Buffer.from(',');

/**
 * Plans merges (pure): runs of consecutive chunks of one stream (`chunks` in
 * report order) holding at most `maxBytes` of rows together; a run of one
 * chunk is left alone. Returns each run's chunk ids.
 */
export function planMerges(
  chunks: readonly ChunkSummary[],
  maxBytes = MAX_MERGE_BYTES,
): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  let bytes = 0;
  let stream = '';
  const close = () => {
    if (run.length > 1) runs.push(run);
    run = [];
    bytes = 0;
  };
  for (const c of chunks) {
    const key = `${c.series}\u0000${c.stream_key}`;
    if (key !== stream || (run.length > 0 && bytes + c.bytes > maxBytes)) close();
    stream = key;
    run.push(c.id);
    bytes += c.bytes;
  }
  close();
  return runs;
}

/**
 * Plans the merges of the chunks above the merge mark (pure): `all` is every
 * chunk of the peer in report order. A chunk at or below the mark (merged
 * earlier) splits the runs: a late batch's chunk sits between merged chunks in
 * time, and merging it with newer chunks would put the merged row before the
 * merged chunks in between. Chunks stored at or after `settledBefore` are
 * left for a later merge (they split the runs too): a late batch whose gap was
 * merged away could no longer be placed (ingest/late-samples.ts).
 */
export function planTailMerges(
  all: readonly ChunkSummary[],
  mark: number | undefined,
  maxBytes = MAX_MERGE_BYTES,
  settledBefore = Infinity,
): number[][] {
  const runs: number[][] = [];
  let segment: ChunkSummary[] = [];
  for (const c of all) {
    if ((mark === undefined || c.id > mark) && (c.received_at ?? 0) < settledBefore) {
      segment.push(c);
      continue;
    }
    runs.push(...planMerges(segment, maxBytes));
    segment = [];
  }
  runs.push(...planMerges(segment, maxBytes));
  return runs;
}

/**
 * Merges the chunks `ids` (one run of {@link planMerges}) in one transaction,
 * unless the peer was compacted meanwhile or another process merged any of
 * them first. Returns the rows removed.
 */
async function mergeRun(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  ids: readonly number[],
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    let lock = tx.selectFrom('peers').select('chunks_compacted_at').where('id', '=', peerId);
    lock = lockRows(dialect, lock);
    const peer = await lock.executeTakeFirst();
    if (!peer || peer.chunks_compacted_at !== null) return 0;
    const chunks = await readQualityChunks(tx, dialect, peerId, { ids });
    if (chunks.length !== ids.length) return 0;
    const keep = Math.max(...ids);
    const merged = mergeChunks(peerId, chunks);
    // The merged row's end samples: the first chunk's first, the last chunk's last (chunks come in time order).
    const ends = new Map(
      (
        await tx
          .selectFrom('quality_chunks')
          .select(['id', 'first_sample', 'last_sample'])
          .where('peer_id', '=', peerId)
          .where('id', 'in', [...ids])
          .execute()
      ).map((e) => [Number(e.id), e]),
    );
    const firstSample = ends.get(Number(chunks[0].id))?.first_sample ?? null;
    const lastSample = ends.get(Number(chunks[chunks.length - 1].id))?.last_sample ?? null;
    await tx
      .updateTable('quality_chunks')
      .set({
        first_ts: merged.first_ts,
        last_ts: merged.last_ts,
        n: merged.n,
        rows_json: merged.rows_json,
        metrics: merged.metrics,
        received_at: merged.received_at,
        first_sample: firstSample,
        last_sample: lastSample,
      })
      .where('peer_id', '=', peerId)
      .where('id', '=', keep)
      .execute();
    await tx
      .deleteFrom('quality_chunks')
      .where('peer_id', '=', peerId)
      .where(
        'id',
        'in',
        ids.filter((id) => id !== keep),
      )
      .execute();
    return ids.length - 1;
  });
}

/** Merges the chunks of `peerId` above its merge mark, run by run, resting after each. Returns the rows removed and the highest id seen. */
async function mergeTail(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  storedMark: number | string | null,
  settledBefore = Infinity,
): Promise<{ removed: number; maxId: number }> {
  const mark = storedMark === null ? undefined : Number(storedMark);
  const all = await readChunkSummaries(db, peerId);
  let removed = 0;
  for (const run of planTailMerges(all, mark, MAX_MERGE_BYTES, settledBefore)) {
    const started = performance.now();
    removed += await mergeRun(db, dialect, peerId, run);
    await restAfterWork(started);
  }
  // The new mark stays below the first chunk left unmerged for being too recent.
  const unsettled = all
    .filter((c) => (mark === undefined || c.id > mark) && (c.received_at ?? 0) >= settledBefore)
    .map((c) => c.id);
  const maxId = unsettled.length
    ? Math.min(...unsettled) - 1
    : all.reduce((max, c) => Math.max(max, c.id), mark ?? 0);
  return { removed, maxId };
}

/**
 * Compacts one finished peer: merges its chunks written since the last merge,
 * then stores its aggregates. Returns the chunk rows removed (0 if it was
 * already compacted or is live).
 */
export async function compactPeerChunks(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  now: number,
): Promise<number> {
  const peer = await db
    .selectFrom('peers')
    .select(['chunks_compacted_at', 'status', 'chunks_merged_upto', 'session_id'])
    .where('id', '=', peerId)
    .executeTakeFirst();
  if (!peer || peer.chunks_compacted_at !== null || peer.status === 'live') return 0;
  const { removed } = await mergeTail(db, dialect, peerId, peer.chunks_merged_upto);
  const started = performance.now();
  await db.transaction().execute(async (tx) => {
    await lockSessionVerdicts(tx, dialect, peer.session_id);
    let lock = tx
      .selectFrom('peers')
      .select(['chunks_compacted_at', 'status'])
      .where('id', '=', peerId);
    lock = lockRows(dialect, lock);
    const current = await lock.executeTakeFirst();
    if (!current || current.chunks_compacted_at !== null || current.status === 'live') return;
    // A finished peer's aggregates and diagnosis no longer change: computed once, here, from the metric
    // columns alone; its rollup and `peer.qualityReport` come from that diagnosis, in the same transaction.
    await storeFinishedPeerQuality(tx, dialect, peerId, now, { announce: true, compactedAt: now });
  });
  await restAfterWork(started);
  return removed;
}

/**
 * Merges a live peer's chunks written since its last merge (earlier merged
 * rows are left as they are, so a long call is never rewritten). A late
 * batch's chunk between merged ones is merged only with its neighbours above
 * the mark (planTailMerges), so every row keeps its place in the report order.
 * Returns the rows removed.
 */
export async function mergeLivePeerChunks(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  now: number,
  settleMs = 0,
): Promise<number> {
  const peer = await db
    .selectFrom('peers')
    .select(['status', 'chunks_merged_upto'])
    .where('id', '=', peerId)
    .executeTakeFirst();
  if (!peer || peer.status !== 'live') return 0;
  const { removed, maxId } = await mergeTail(
    db,
    dialect,
    peerId,
    peer.chunks_merged_upto,
    now - settleMs,
  );
  await db
    .updateTable('peers')
    .set({ chunks_merged_at: now, chunks_merged_upto: maxId })
    .where('id', '=', peerId)
    .execute();
  return removed;
}

/**
 * Compacts up to `limit` peers that left at least `afterMs` ago (late batches
 * are accepted for a short grace after a leave). Returns the peers compacted.
 */
export async function compactFinishedPeers(
  db: Kysely<Database>,
  dialect: StoreDialect,
  now: number,
  afterMs: number,
  limit = 20,
): Promise<string[]> {
  const due = await db
    .selectFrom('peers')
    .select('id')
    .where('chunks_compacted_at', 'is', null)
    .where('status', '=', 'left')
    .where('left_at', '<', now - afterMs)
    .where('expired_at', 'is', null)
    .limit(limit)
    .execute();
  return forEachPeer(due, (id) => compactPeerChunks(db, dialect, id, now));
}

/** Merges the recent chunks of up to `limit` live peers not merged for `everyMs`. Returns the peers merged. */
export async function mergeLivePeers(
  db: Kysely<Database>,
  dialect: StoreDialect,
  now: number,
  everyMs: number,
  limit = 20,
): Promise<string[]> {
  const due = await db
    .selectFrom('peers')
    .select('id')
    .where('status', '=', 'live')
    .where((eb) =>
      eb.or([eb('chunks_merged_at', 'is', null), eb('chunks_merged_at', '<', now - everyMs)]),
    )
    .where('joined_at', '<', now - everyMs)
    .limit(limit)
    .execute();
  return forEachPeer(due, (id) => mergeLivePeerChunks(db, dialect, id, now, LATE_BATCH_SETTLE_MS));
}

/** Runs `work` for each peer in turn (it rests after each merge), yielding between peers; returns their ids. */
async function forEachPeer(
  peers: readonly { id: string }[],
  work: (id: string) => Promise<unknown>,
): Promise<string[]> {
  for (const { id } of peers) {
    await work(id);
    await yieldToEventLoop();
  }
  return peers.map((p) => p.id);
}

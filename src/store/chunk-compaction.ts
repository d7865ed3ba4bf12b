/**
 * Compaction of quality chunks: a finished peer's, and a live peer's recent ones.
 *
 * Ingest stores one chunk per stream per batch (a 60-minute peer: ~1,440
 * rows), which keeps every write small. Once the peer has left and its late
 * batches can no longer arrive, its chunks are merged into one per stream:
 * the stored rows are concatenated in order (they are comma-joined JSON
 * already) and the metric columns re-packed, so the report reads a handful of
 * rows instead of thousands and produces the same bytes. Runs in the
 * background (every process's sweeper), one peer per transaction, each peer
 * once: the peer row is locked and re-checked, so processes never merge twice.
 * While a peer is live, the chunks written since its last merge are merged
 * every few minutes, so a long live call's report reads tens of rows too.
 */
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database, QualityChunksTable } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { packMetricRows, unpackMetricRows } from '../analytics/metric-packing.ts';
import { readQualityChunks, type StoredChunk } from './quality-chunks-read.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import { computeQualityAggregates } from '../report/quality-aggregates.ts';

/** Merges consecutive chunks of one stream (ordered by `first_ts`) into one row. Pure. */
export function mergeChunks(peerId: string, chunks: readonly StoredChunk[]): Insertable<QualityChunksTable> {
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

/** Groups chunks (already in report order) by stream. */
function byStream(chunks: readonly StoredChunk[]): StoredChunk[][] {
  const groups = new Map<string, StoredChunk[]>();
  for (const c of chunks) {
    const key = `${c.series}\u0000${c.stream_key}`;
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()];
}

/** Replaces each stream's chunks among `chunks` by one merged row; returns the rows removed and the highest new id. */
async function mergeStreams(tx: Transaction<Database>, peerId: string, chunks: readonly StoredChunk[]): Promise<{ removed: number; maxId: number }> {
  let removed = 0;
  let maxId = 0;
  for (const group of byStream(chunks)) {
    if (group.length < 2) {
      maxId = Math.max(maxId, Number(group[0].id));
      continue;
    }
    await tx.deleteFrom('quality_chunks').where('peer_id', '=', peerId).where('id', 'in', group.map((c) => c.id)).execute();
    const inserted = await tx.insertInto('quality_chunks').values(mergeChunks(peerId, group)).returning('id').executeTakeFirstOrThrow();
    maxId = Math.max(maxId, Number(inserted.id));
    removed += group.length - 1;
  }
  return { removed, maxId };
}

/** Compacts one finished peer's chunks into one per stream; returns how many chunk rows it removed (0 if already compacted). */
export async function compactPeerChunks(db: Kysely<Database>, dialect: StoreDialect, peerId: string, now: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    let lock = tx.selectFrom('peers').select(['chunks_compacted_at', 'status']).where('id', '=', peerId);
    if (dialect === 'postgres') lock = lock.forUpdate();
    const peer = await lock.executeTakeFirst();
    if (!peer || peer.chunks_compacted_at !== null || peer.status === 'live') return 0;
    const chunks = await readQualityChunks(tx, dialect, peerId);
    const { removed, maxId } = await mergeStreams(tx, peerId, chunks);
    // A finished peer's aggregates no longer change: computed once, here. Merging keeps every
    // series' metric rows in the same order, so these are the aggregates of the merged chunks.
    await tx
      .updateTable('peers')
      .set({ chunks_compacted_at: now, quality_aggregates: JSON.stringify(computeQualityAggregates(chunks)), quality_aggregates_upto: maxId })
      .where('id', '=', peerId)
      .execute();
    return removed;
  });
}

/**
 * Merges a live peer's per-batch chunks written since its last merge into one
 * row per stream (earlier merged rows are left as they are, so a long call is
 * never rewritten). Ingest only appends chunks newer than every stored one, so
 * the merged row keeps its place in the report order. Returns the rows removed.
 */
export async function mergeLivePeerChunks(db: Kysely<Database>, dialect: StoreDialect, peerId: string, now: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    let lock = tx.selectFrom('peers').select(['status', 'chunks_merged_upto']).where('id', '=', peerId);
    if (dialect === 'postgres') lock = lock.forUpdate();
    const peer = await lock.executeTakeFirst();
    if (!peer || peer.status !== 'live') return 0;
    const chunks = await readQualityChunks(tx, dialect, peerId, { afterId: peer.chunks_merged_upto === null ? undefined : Number(peer.chunks_merged_upto) });
    const { removed, maxId } = await mergeStreams(tx, peerId, chunks);
    const upto = Math.max(maxId, Number(peer.chunks_merged_upto ?? 0));
    await tx.updateTable('peers').set({ chunks_merged_at: now, chunks_merged_upto: upto }).where('id', '=', peerId).execute();
    return removed;
  });
}

/**
 * Compacts up to `limit` peers that left at least `afterMs` ago (late batches
 * are accepted for a short grace after a leave). Returns the peers compacted.
 */
export async function compactFinishedPeers(db: Kysely<Database>, dialect: StoreDialect, now: number, afterMs: number, limit = 20): Promise<string[]> {
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
export async function mergeLivePeers(db: Kysely<Database>, dialect: StoreDialect, now: number, everyMs: number, limit = 20): Promise<string[]> {
  const due = await db
    .selectFrom('peers')
    .select('id')
    .where('status', '=', 'live')
    .where((eb) => eb.or([eb('chunks_merged_at', 'is', null), eb('chunks_merged_at', '<', now - everyMs)]))
    .where('joined_at', '<', now - everyMs)
    .limit(limit)
    .execute();
  return forEachPeer(due, (id) => mergeLivePeerChunks(db, dialect, id, now));
}

/**
 * Runs `work` for each peer in turn (one transaction each); returns their ids.
 * Between peers it yields to the event loop: on SQLite a transaction runs
 * without letting I/O in (every statement is synchronous, the awaits between
 * them are microtasks), so without the yield a sweep of 20 long calls held
 * the requests waiting meanwhile for hundreds of milliseconds.
 */
async function forEachPeer(peers: readonly { id: string }[], work: (id: string) => Promise<unknown>): Promise<string[]> {
  for (const { id } of peers) {
    await work(id);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return peers.map((p) => p.id);
}

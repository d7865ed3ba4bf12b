/**
 * Correction of finished peers' aggregates and rollups after late telemetry:
 * a batch stored after the peer was compacted makes its stored aggregates
 * stale (the report then computes them again, quality-aggregates.ts) and its
 * rollup wrong, its diagnosis too. The sweeper finds those peers
 * (staleRollupPeers) and computes aggregates, diagnosis (and the session's
 * verdicts after blame) and rollup again from the metric columns, in one
 * transaction, so the buckets lose the peer's old contribution and gain the
 * new one.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { staleRollupPeers } from './quality-rollups.ts';
import { lockSessionVerdicts, storeFinishedPeerQuality } from './finished-peer-quality.ts';
import { yieldToEventLoop } from '../util/yield-to-event-loop.ts';
import { lockRows } from './row-locks.ts';

/** How long after its rollup a peer is still checked for late telemetry (late batches arrive within seconds). */
export const STALE_ROLLUP_WINDOW_MS = 30 * 60_000;

/** Computes again the aggregates, diagnosis and rollup of one finished, compacted peer. */
export async function refreshPeerRollup(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  now: number,
): Promise<void> {
  const row = await db
    .selectFrom('peers')
    .select('session_id')
    .where('id', '=', peerId)
    .executeTakeFirst();
  if (!row) return;
  await db.transaction().execute(async (tx) => {
    await lockSessionVerdicts(tx, dialect, row.session_id);
    let lock = tx
      .selectFrom('peers')
      .select(['status', 'chunks_compacted_at'])
      .where('id', '=', peerId);
    lock = lockRows(dialect, lock);
    const peer = await lock.executeTakeFirst();
    if (!peer || peer.status !== 'left' || peer.chunks_compacted_at === null) return;
    await storeFinishedPeerQuality(tx, dialect, peerId, Math.max(now, Date.now()), {
      announce: false,
    });
  });
}

/** Refreshes up to `limit` peers whose rollup is stale; returns their ids. */
export async function refreshStaleRollups(
  db: Kysely<Database>,
  dialect: StoreDialect,
  now: number,
  limit = 20,
): Promise<string[]> {
  const ids = await staleRollupPeers(db, now, STALE_ROLLUP_WINDOW_MS, limit);
  for (const id of ids) {
    await refreshPeerRollup(db, dialect, id, now);
    await yieldToEventLoop();
  }
  return ids;
}

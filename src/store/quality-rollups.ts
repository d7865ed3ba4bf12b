/**
 * Maintenance of the fleet quality rollups (`peer_rollups`, `rollup_buckets`,
 * migration 030): called once per finished peer, inside the compaction
 * transaction that stores its aggregates and diagnosis (chunk-compaction.ts,
 * finished-peer-quality.ts), again when late telemetry made those stale
 * (refreshStaleRollups), and for a verdict or issue kinds alone when another
 * peer of the session finishing changed its diagnosis after blame
 * ({@link correctRollupDiagnosis}). Queries never
 * read raw telemetry: they read these tables (quality-rollups-read.ts).
 *
 * A peer's rollup replaces its previous one: the buckets it counted in lose
 * the old contribution and gain the new one, in the same transaction, so a
 * bucket always equals the sum of its peers' current rollups. The same holds
 * for the week and pair cells (`rollup_cells`, migration 045). Bucket rows are
 * locked in key order (`FOR UPDATE` on PostgreSQL; SQLite has one writer), so
 * concurrent compactions in several processes neither lose counts nor
 * deadlock.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import type { CandidatePairSample } from '../model/telemetry.ts';
import { peerRollupOf, type PeerRollup } from '../rollup/peer-rollup.ts';
import type { PeerRollupsTable } from './rollup-schema.ts';
import { applyBucketChanges } from './rollup-bucket-write.ts';
import {
  BUCKETS_TABLE,
  bucketChangesOf,
  CELLS_TABLE,
  cellChangesOf,
  type PeerChange,
} from './rollup-cells-write.ts';
import { numericRollup } from './rollup-rows.ts';
import { issueMask, rollupSeverity, type RollupDiagnosis } from '../rollup/rollup-diagnosis.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Computes and stores the rollup of the finished peer `peerId` from its metric
 * rows (by series) and its diagnosis, covering chunks up to `chunksUpto`;
 * replaces an earlier one.
 */
export async function recordPeerRollup(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  peerId: string,
  rowsBySeries: ReadonlyMap<string, readonly MetricRow[]>,
  diagnosis: RollupDiagnosis,
  chunksUpto: number,
  now: number,
): Promise<PeerRollup | undefined> {
  const peer = await tx
    .selectFrom('peers')
    .select([
      'id',
      'account_id',
      'app_id',
      'session_id',
      'joined_at',
      'left_at',
      'client',
      'ip_info',
    ])
    .where('id', '=', peerId)
    .executeTakeFirst();
  if (!peer || peer.left_at === null) return undefined;
  const pairRow = await tx
    .selectFrom('candidate_pairs')
    .select('payload')
    .where('peer_id', '=', peerId)
    .where('selected', '=', 1)
    .orderBy('ts', 'desc')
    .limit(1)
    .executeTakeFirst();
  const pair = pairRow ? (JSON.parse(pairRow.payload) as CandidatePairSample) : undefined;
  const rollup = peerRollupOf({ ...peer, left_at: peer.left_at }, rowsBySeries, pair, diagnosis);
  await storePeerRollup(tx, dialect, rollup, chunksUpto, now);
  return rollup;
}

/** Stores `rollup` (replacing the peer's earlier one) and moves its bucket counts, in the caller's transaction. */
export async function storePeerRollup(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  rollup: PeerRollup,
  chunksUpto: number,
  now: number,
): Promise<void> {
  const peerId = rollup.peer_id;
  const row: PeerRollupsTable = { ...rollup, chunks_upto: chunksUpto, computed_at: now };
  // A peer's first rollup (the usual case) in one statement; a replaced one is read, then updated.
  const inserted = await tx
    .insertInto('peer_rollups')
    .values(row)
    .onConflict((oc) => oc.column('peer_id').doNothing())
    .returning('peer_id')
    .executeTakeFirst();
  const previous = inserted
    ? undefined
    : await tx
        .selectFrom('peer_rollups')
        .selectAll()
        .where('peer_id', '=', peerId)
        .executeTakeFirstOrThrow();
  if (previous)
    await tx.updateTable('peer_rollups').set(row).where('peer_id', '=', peerId).execute();
  const changes: PeerChange[] = previous ? [{ peer: numericRollup(previous), weight: -1 }] : [];
  changes.push({ peer: rollup, weight: 1 });
  await applyToBuckets(tx, dialect, changes);
}

/**
 * Corrects the verdict and issue kinds of a peer's stored rollup (its figures
 * stay), moving its bucket counts, when its diagnosis after blame changed
 * (another peer of its session finished). Returns whether anything changed;
 * nothing happens for a peer without a rollup.
 */
export async function correctRollupDiagnosis(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  peerId: string,
  diagnosis: RollupDiagnosis,
  now: number,
): Promise<boolean> {
  const stored = await tx
    .selectFrom('peer_rollups')
    .selectAll()
    .where('peer_id', '=', peerId)
    .executeTakeFirst();
  if (!stored) return false;
  const before = numericRollup(stored);
  const mask = issueMask(diagnosis.kinds);
  if (before.verdict === diagnosis.verdict && before.issue_mask === mask) return false;
  const after: PeerRollup = {
    ...before,
    verdict: diagnosis.verdict,
    issue_mask: mask,
    severity: rollupSeverity(diagnosis.verdict, before.audio_mos, before.video_mos),
  };
  await storePeerRollup(tx, dialect, after, Number(stored.chunks_upto), now);
  return true;
}

/**
 * Applies peers' contributions (weight 1 in, −1 out) to their day buckets and
 * their week and pair cells (rollup-bucket-write.ts: a few multi-row
 * statements per table, rows locked in key order; buckets before cells in
 * every writer).
 */
async function applyToBuckets(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  changes: readonly PeerChange[],
): Promise<void> {
  await applyBucketChanges(tx, dialect, BUCKETS_TABLE, bucketChangesOf(changes));
  await applyBucketChanges(tx, dialect, CELLS_TABLE, cellChangesOf(changes));
}

/**
 * Peers whose telemetry changed after their rollup was computed (a late batch
 * stored after compaction: their stored aggregates are stale too), among the
 * rollups computed in the last `windowMs` (late batches are accepted for
 * seconds after a leave, so older ones cannot change). Returns their ids.
 */
export async function staleRollupPeers(
  db: Db,
  now: number,
  windowMs: number,
  limit = 20,
): Promise<string[]> {
  const rows = await db
    .selectFrom('peer_rollups')
    .innerJoin('peers', 'peers.id', 'peer_rollups.peer_id')
    .select('peers.id')
    .where('peer_rollups.computed_at', '>', now - windowMs)
    .where((eb) => eb('peers.updated_at', '>', eb.ref('peer_rollups.computed_at')))
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

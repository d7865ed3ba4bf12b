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
 * bucket always equals the sum of its peers' current rollups. Bucket rows are
 * locked in key order (`FOR UPDATE` on PostgreSQL; SQLite has one writer), so
 * concurrent compactions in several processes neither lose counts nor
 * deadlock.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import type { CandidatePairSample } from '../model/telemetry.ts';
import { bucketKeysOf, peerRollupOf, type PeerRollup } from '../rollup/peer-rollup.ts';
import { issueMask, rollupSeverity, type RollupDiagnosis } from '../rollup/rollup-diagnosis.ts';
import { addPeer, emptyBucket, parseBucket, type BucketData } from '../rollup/bucket-data.ts';
import type { PeerRollupsTable, RollupBucketsTable } from './rollup-schema.ts';

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
  const previous = await tx
    .selectFrom('peer_rollups')
    .selectAll()
    .where('peer_id', '=', peerId)
    .executeTakeFirst();
  const row: PeerRollupsTable = { ...rollup, chunks_upto: chunksUpto, computed_at: now };
  if (previous)
    await tx.updateTable('peer_rollups').set(row).where('peer_id', '=', peerId).execute();
  else await tx.insertInto('peer_rollups').values(row).execute();
  const changes = previous ? [{ peer: normalise(previous), weight: -1 }] : [];
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
  const before = normalise(stored);
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
 * Stores the rollups of many peers that have none yet (a backfill, the
 * benchmark's seeding) in the caller's transaction: rows inserted in
 * multi-row statements, each touched bucket read and written once.
 */
export async function storeNewPeerRollups(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  rollups: readonly PeerRollup[],
  now: number,
): Promise<void> {
  const rows: PeerRollupsTable[] = rollups.map((r) => ({ ...r, chunks_upto: 0, computed_at: now }));
  for (let i = 0; i < rows.length; i += 500)
    await tx
      .insertInto('peer_rollups')
      .values(rows.slice(i, i + 500))
      .execute();
  await applyToBuckets(
    tx,
    dialect,
    rollups.map((peer) => ({ peer, weight: 1 })),
  );
}

/** Numbers as numbers (PostgreSQL returns bigint columns as strings). */
function normalise(r: PeerRollupsTable): PeerRollup {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    ...r,
    joined_at: Number(r.joined_at),
    finished_at: Number(r.finished_at),
    minutes: Number(r.minutes),
    audio_mos: num(r.audio_mos),
    video_mos: num(r.video_mos),
    loss_p50: num(r.loss_p50),
    loss_p90: num(r.loss_p90),
    rtt_p50: num(r.rtt_p50),
    rtt_p90: num(r.rtt_p90),
    jitter_p50: num(r.jitter_p50),
    jitter_p90: num(r.jitter_p90),
    issue_mask: Number(r.issue_mask),
    severity: Number(r.severity),
  };
}

/** A bucket's key and counts as they change (its `data` is merged from `changes`). */
type BucketDelta = Omit<RollupBucketsTable, 'data'> & {
  changes: { peer: PeerRollup; weight: number }[];
};

/** Applies peers' contributions (weight 1 in, −1 out) to their buckets, bucket rows locked in key order. */
async function applyToBuckets(
  tx: Transaction<Database>,
  dialect: StoreDialect,
  changes: readonly { peer: PeerRollup; weight: number }[],
): Promise<void> {
  const deltas = new Map<string, BucketDelta>();
  for (const { peer: p, weight } of changes) {
    for (const { dim, value } of bucketKeysOf(p)) {
      const key = `${p.app_id}\u0000${dim}\u0000${p.day}\u0000${value}`;
      let d = deltas.get(key);
      if (!d)
        deltas.set(
          key,
          (d = {
            account_id: p.account_id,
            app_id: p.app_id,
            day: p.day,
            dim,
            value,
            peers: 0,
            minutes: 0,
            changes: [],
          }),
        );
      d.peers += weight;
      d.minutes += weight * p.minutes;
      d.changes.push({ peer: p, weight });
    }
  }
  for (const key of [...deltas.keys()].sort()) {
    const d = deltas.get(key)!;
    await tx
      .insertInto('rollup_buckets')
      .values({
        account_id: d.account_id,
        app_id: d.app_id,
        day: d.day,
        dim: d.dim,
        value: d.value,
        peers: 0,
        minutes: 0,
        data: '{}',
      })
      .onConflict((oc) => oc.columns(['app_id', 'dim', 'day', 'value']).doNothing())
      .execute();
    let q = tx
      .selectFrom('rollup_buckets')
      .select(['peers', 'minutes', 'data'])
      .where('app_id', '=', d.app_id)
      .where('dim', '=', d.dim)
      .where('day', '=', d.day)
      .where('value', '=', d.value);
    if (dialect === 'postgres') q = q.forUpdate();
    const current = await q.executeTakeFirstOrThrow();
    const data: BucketData = current.data === '{}' ? emptyBucket() : parseBucket(current.data);
    for (const c of d.changes) addPeer(data, c.peer, c.weight);
    await tx
      .updateTable('rollup_buckets')
      .set({
        peers: Number(current.peers) + d.peers,
        minutes: Math.round((Number(current.minutes) + d.minutes) * 1000) / 1000,
        data: JSON.stringify(data),
      })
      .where('app_id', '=', d.app_id)
      .where('dim', '=', d.dim)
      .where('day', '=', d.day)
      .where('value', '=', d.value)
      .execute();
  }
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

/**
 * Erasure of a person's data: every participant record given, its peers
 * (joins), and every row derived from them (telemetry chunks, stream states,
 * batch ids, events, device updates, connection metadata, candidate pairs,
 * the stored aggregates on the peer rows), in one transaction, on either
 * store. The sessions the peers were part of stay (they describe the meeting,
 * not the person) and their counters are made consistent with what remains:
 * a live peer is closed first (so the session ends if it was the last one),
 * then its minutes are taken out of `minutes_consumed` and the live counts
 * recomputed. The participant records go too (name, picture, custom id):
 * their tokens stop working at once here, within the token cache's lifetime
 * (2 s) on other processes.
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { closePeer, refreshSessionCounts } from './peer-lifecycle.ts';
import { lockRows } from './row-locks.ts';

/** The per-peer tables, children before the `peers` row. */
export const PER_PEER_TABLES = [
  'peer_events',
  'device_updates',
  'pc_metadata',
  'candidate_pairs',
  'stream_state',
  'quality_chunks',
  'peer_batches',
  'peer_report_bodies',
] as const;

/** What an erasure removed. */
export interface ErasureResult {
  participantIds: string[];
  peerIds: string[];
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
}

/** Which participants to erase: by id, or every participant of the app with this `custom_participant_id`. */
export type ErasureTarget = { accountId: string; appId: string } & (
  { participantIds: string[] } | { customParticipantId: string }
);

/** Deletes the rows of `peerIds` in every per-peer table, then the peers; returns the counts by table. */
export async function deletePeerRows(
  tx: Transaction<Database>,
  peerIds: readonly string[],
): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  if (peerIds.length === 0) return deleted;
  for (const table of [...PER_PEER_TABLES, 'peers'] as const) {
    const column = table === 'peers' ? 'id' : 'peer_id';
    const r = await tx
      .deleteFrom(table)
      .where(column, 'in', [...peerIds])
      .executeTakeFirst();
    deleted[table] = Number(r.numDeletedRows);
  }
  return deleted;
}

/**
 * Erases `target`'s participants and everything derived from them, in one
 * transaction. Returns what was removed (empty lists when nothing matched).
 */
export async function eraseParticipants(
  db: Kysely<Database>,
  dialect: StoreDialect,
  target: ErasureTarget,
  now = Date.now(),
): Promise<ErasureResult> {
  return db.transaction().execute(async (tx) => {
    let q = tx
      .selectFrom('participants')
      .select('id')
      .where('account_id', '=', target.accountId)
      .where('app_id', '=', target.appId);
    q =
      'participantIds' in target
        ? q.where('id', 'in', target.participantIds.length ? target.participantIds : [''])
        : q.where('custom_participant_id', '=', target.customParticipantId);
    const participantIds = (await q.orderBy('id').execute()).map((p) => p.id);
    if (participantIds.length === 0) return { participantIds, peerIds: [], deleted: {} };

    // Peers locked in id order, as the batch writer does, so a concurrent batch of one of them waits, then finds no peer.
    let peersQuery = tx
      .selectFrom('peers')
      .select(['id', 'session_id', 'status'])
      .where('participant_id', 'in', participantIds)
      .orderBy('id');
    peersQuery = lockRows(dialect, peersQuery);
    const peers = await peersQuery.execute();
    for (const p of peers)
      if (p.status === 'live') await closePeer(tx, dialect, p.id, now, 'erased');

    const closed = peers.length
      ? await tx
          .selectFrom('peers')
          .select(['id', 'session_id', 'joined_at', 'left_at'])
          .where(
            'id',
            'in',
            peers.map((p) => p.id),
          )
          .execute()
      : [];
    const minutesBySession = new Map<string, number>();
    for (const p of closed) {
      const minutes = (Number(p.left_at ?? p.joined_at) - Number(p.joined_at)) / 60000;
      minutesBySession.set(p.session_id, (minutesBySession.get(p.session_id) ?? 0) + minutes);
    }
    const peerIds = peers.map((p) => p.id);
    const deleted = await deletePeerRows(tx, peerIds);
    for (const [sessionId, minutes] of [...minutesBySession].sort(([a], [b]) => (a < b ? -1 : 1))) {
      // Float sums: a residue below a millisecond's worth of minutes is zero.
      await tx
        .updateTable('sessions')
        .set({
          minutes_consumed: sql<number>`CASE WHEN minutes_consumed - ${minutes} < 0.00001 THEN 0 ELSE minutes_consumed - ${minutes} END`,
          updated_at: now,
        })
        .where('id', '=', sessionId)
        .execute();
      await refreshSessionCounts(tx, sessionId, now);
      // An ended session ends with its last remaining peer (the erased one may have been the last to leave).
      const last = await tx
        .selectFrom('peers')
        .select((eb) => eb.fn.max('left_at').as('m'))
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      if (last.m !== null)
        await tx
          .updateTable('sessions')
          .set({ ended_at: Number(last.m) })
          .where('id', '=', sessionId)
          .where('status', '=', 'ENDED')
          .execute();
    }
    const r = await tx
      .deleteFrom('participants')
      .where('id', 'in', participantIds)
      .executeTakeFirst();
    deleted.participants = Number(r.numDeletedRows);
    return { participantIds, peerIds, deleted };
  });
}

/**
 * Reads for the export: one page of an app's finished peers in export order
 * (finished time, then peer id; keyset pagination on the `peers_app_left`
 * index, so page N costs what page 1 does), and for a page's peers their
 * newest chunk id and their selected candidate pairs.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** One finished peer with what its export row needs. */
export interface FinishedPeerRow {
  id: string;
  session_id: string;
  meeting_id: string;
  participant_id: string;
  joined_at: number;
  left_at: number;
  leave_reason: string | null;
  source: string;
  client: string;
  ip_info: string | null;
  expired_at: number | null;
  quality_aggregates: string | null;
  quality_aggregates_upto: number | null;
  /** The stored diagnosis after blame (JSON), null until the peer is compacted. */
  diagnosis_final: string | null;
  custom_participant_id: string | null;
  name: string | null;
  preset_name: string | null;
}

/** Which page. */
export interface FinishedPeersQuery {
  accountId: string;
  appId: string;
  /** Finished at or after (epoch ms). */
  since: number;
  /** Finished before (epoch ms). */
  until: number;
  /** Only peers after this one in the order. */
  after?: { leftAt: number; peerId: string };
  limit: number;
}

/** Up to `limit` finished peers of the app, in export order. */
export async function finishedPeersPage(
  db: Kysely<Database>,
  q: FinishedPeersQuery,
): Promise<FinishedPeerRow[]> {
  let query = db
    .selectFrom('peers')
    .leftJoin('participants', 'participants.id', 'peers.participant_id')
    .select([
      'peers.id',
      'peers.session_id',
      'peers.meeting_id',
      'peers.participant_id',
      'peers.joined_at',
      'peers.left_at',
      'peers.leave_reason',
      'peers.source',
      'peers.client',
      'peers.ip_info',
      'peers.expired_at',
      'peers.quality_aggregates',
      'peers.quality_aggregates_upto',
      'peers.diagnosis_final',
      'participants.custom_participant_id',
      'participants.name',
      'participants.preset_name',
    ])
    .where('peers.app_id', '=', q.appId)
    .where('peers.account_id', '=', q.accountId)
    .where('peers.status', '=', 'left')
    .where('peers.left_at', '>=', q.since)
    .where('peers.left_at', '<', q.until);
  const after = q.after;
  if (after)
    query = query.where((eb) =>
      eb(eb.refTuple('peers.left_at', 'peers.id'), '>', eb.tuple(after.leftAt, after.peerId)),
    );
  const rows = await query.orderBy('peers.left_at').orderBy('peers.id').limit(q.limit).execute();
  return rows.map((r) => ({
    ...r,
    joined_at: Number(r.joined_at),
    left_at: Number(r.left_at),
    expired_at: r.expired_at === null ? null : Number(r.expired_at),
    quality_aggregates_upto:
      r.quality_aggregates_upto === null ? null : Number(r.quality_aggregates_upto),
  }));
}

/** The newest stored chunk id of each of `peerIds` that has chunks. */
export async function newestChunkIds(
  db: Kysely<Database>,
  peerIds: readonly string[],
): Promise<Map<string, number>> {
  if (peerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('quality_chunks')
    .select(['peer_id', (eb) => eb.fn.max('id').as('newest')])
    .where('peer_id', 'in', [...peerIds])
    .groupBy('peer_id')
    .execute();
  return new Map(rows.map((r) => [r.peer_id, Number(r.newest)]));
}

/** The selected candidate pairs of `peerIds` (every transport's, every pc's). */
export async function selectedPairs(
  db: Kysely<Database>,
  peerIds: readonly string[],
): Promise<{ peer_id: string; pc: string; pair_id: string; ts: number; payload: string }[]> {
  if (peerIds.length === 0) return [];
  const rows = await db
    .selectFrom('candidate_pairs')
    .select(['peer_id', 'pc', 'pair_id', 'ts', 'payload'])
    .where('peer_id', 'in', [...peerIds])
    .where('selected', '=', 1)
    .execute();
  return rows.map((r) => ({ ...r, ts: Number(r.ts) }));
}

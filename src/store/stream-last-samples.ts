/**
 * Each stream's stored last sample (`stream_state.last_sample`), by stream key:
 * it names the tracks of the per-track aggregates (remote peer, producer and
 * consumer ids, SSRC), which the packed metric rows do not carry.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Stream key → last sample (JSON) of every stream of `peerId`. */
export async function readLastSamples(
  db: Kysely<Database>,
  peerId: string,
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('stream_state')
    .select(['stream_key', 'last_sample'])
    .where('peer_id', '=', peerId)
    .execute();
  return new Map(rows.map((r) => [r.stream_key, r.last_sample]));
}

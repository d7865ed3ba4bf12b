/**
 * The per-participant cap on live peers. A participant may have several live
 * peers at once (two tabs, a reload before the old page's leave arrived), but
 * not thousands: each live peer costs the reports and the timeout sweeper.
 * A join beyond the cap closes the participant's oldest live peers (reason
 * `superseded`) rather than refusing the new one: the newest peer is the one
 * the person is using, and a refused join would lock a user out until their
 * stale peers time out.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { closePeer } from './peer-lifecycle.ts';

/** Leave reason of a peer closed by the cap. */
export const SUPERSEDED_REASON = 'superseded';

/**
 * Closes the live peers of `participantId` beyond `newPeerId` (just joined,
 * always kept) and its `maxLive - 1` others joined last (each
 * in its own transaction, like the timeout sweeper, so a join never holds
 * other peers' locks). Returns the ids closed now.
 */
export async function enforceLivePeerCap(
  db: Kysely<Database>,
  dialect: StoreDialect,
  participantId: string,
  newPeerId: string,
  maxLive: number,
  now: number,
): Promise<string[]> {
  if (maxLive <= 0) return [];
  const live = await db
    .selectFrom('peers')
    .select('id')
    .where('participant_id', '=', participantId)
    .where('status', '=', 'live')
    .where('id', '!=', newPeerId)
    .orderBy('joined_at', 'desc')
    .orderBy('id', 'desc')
    .offset(maxLive - 1)
    .limit(1000)
    .execute();
  const closed: string[] = [];
  for (const p of live) {
    if (
      await db.transaction().execute((tx) => closePeer(tx, dialect, p.id, now, SUPERSEDED_REASON))
    )
      closed.push(p.id);
  }
  return closed;
}

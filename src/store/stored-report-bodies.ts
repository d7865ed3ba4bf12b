/**
 * Finished peers' reports stored compressed (`peer_report_bodies`, migration 055): read by the peer's current
 * version stamp, written (replacing a stale one) after the first request that compressed it.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Which stored body: the peer, the report variant and the content coding. */
export interface ReportBodyKey {
  peerId: string;
  variant: string;
  coding: string;
}

/** The stored body of `key` made at version `stamp`, or undefined (none, or made at another version). */
export async function readStoredReportBody(
  db: Kysely<Database>,
  key: ReportBodyKey,
  stamp: string,
): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom('peer_report_bodies')
    .select('body')
    .where('peer_id', '=', key.peerId)
    .where('variant', '=', key.variant)
    .where('coding', '=', key.coding)
    .where('stamp', '=', stamp)
    .executeTakeFirst();
  return row ? Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength) : undefined;
}

/** Stores `body` for `key` at version `stamp`, replacing what was there. */
export async function storeReportBody(
  db: Kysely<Database>,
  key: ReportBodyKey,
  stamp: string,
  body: Buffer,
  now = Date.now(),
): Promise<void> {
  await db
    .insertInto('peer_report_bodies')
    .values({
      peer_id: key.peerId,
      variant: key.variant,
      coding: key.coding,
      stamp,
      body,
      stored_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['peer_id', 'variant', 'coding']).doUpdateSet((eb) => ({
        stamp: eb.ref('excluded.stamp'),
        body: eb.ref('excluded.body'),
        stored_at: eb.ref('excluded.stored_at'),
      })),
    )
    .execute();
}

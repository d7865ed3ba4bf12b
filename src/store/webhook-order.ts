/**
 * The order a webhook's deliveries are sent in, safe against transactions committing out of id order.
 *
 * SQLite: `id` (one writer at a time, so ids are in commit order).
 *
 * PostgreSQL: `position`, handed out after commit (migration 060). Ids come from a sequence at insert time, so a
 * transaction that inserted first can commit last; reading by id alone could send a higher id before a lower one
 * becomes visible. Instead the lease holder numbers the webhook's committed, unnumbered rows, in id order, in a
 * transaction holding the webhook row's lock ({@link sequenceDeliveries}), continuing from `webhooks.sequenced`,
 * and sends only numbered rows, in position order ({@link readPendingDeliveries}). Why that is safe:
 * - a row still uncommitted is invisible to the numbering statement, so it is numbered later, above every row
 *   numbered before: nothing already sent can be overtaken by it (positions only grow per webhook, as the
 *   numbering is serialised by the row lock and reads `sequenced` after taking it);
 * - if a transaction recorded its event after seeing another's commit (a join that waited for the meeting lock
 *   behind the join that opened the session), its row has the higher id and is visible only when the earlier one
 *   is, so id order within one numbering keeps that causal order.
 * Ordering by transaction id (`pg_current_xact_id()`, read below `pg_snapshot_xmin`) was the other candidate; it
 * was not taken because a transaction's id is assigned at its first write, which can precede a lock wait: the join
 * that waited would then be ordered before the join that opened the session.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';

/** A pending delivery as the sender reads it. */
export interface PendingDelivery {
  id: number;
  /** The delivery order within the webhook (`position` on PostgreSQL, `id` on SQLite). */
  seq: number;
  event_id: string;
  body: string;
  attempts: number;
  created_at: number;
}

/**
 * PostgreSQL: numbers up to `limit` committed, unnumbered deliveries of `webhookId` (oldest id first), if
 * `owner` still holds its lease; returns how many were numbered (0 on SQLite, where ids are the order).
 */
export async function sequenceDeliveries(
  db: Kysely<Database>,
  dialect: StoreDialect,
  webhookId: string,
  owner: string,
  limit: number,
): Promise<number> {
  if (dialect !== 'postgres') return 0;
  return db.transaction().execute(async (tx) => {
    // The lock serialises numbering per webhook; the statements after it see every commit before it.
    const w = await tx
      .selectFrom('webhooks')
      .select('sequenced')
      .where('id', '=', webhookId)
      .where('lease_owner', '=', owner)
      .forUpdate()
      .executeTakeFirst();
    if (!w) return 0;
    const base = Number(w.sequenced);
    const { rows } = await sql<{ position: string }>`
      with s as (
        select id, row_number() over (order by id) as rn from webhook_deliveries
        where webhook_id = ${webhookId} and position is null
        order by id limit ${limit}
      )
      update webhook_deliveries d set position = ${base} + s.rn from s where d.id = s.id
      returning d.position`.execute(tx);
    if (rows.length === 0) return 0;
    const top = rows.reduce((m, r) => Math.max(m, Number(r.position)), base);
    await tx.updateTable('webhooks').set({ sequenced: top }).where('id', '=', webhookId).execute();
    return rows.length;
  });
}

/**
 * Up to `limit` pending deliveries of `webhookId` after `afterSeq`, in delivery order; none when the webhook
 * was disabled or deleted. On PostgreSQL only numbered ones ({@link sequenceDeliveries}).
 */
export async function readPendingDeliveries(
  db: Kysely<Database>,
  dialect: StoreDialect,
  webhookId: string,
  afterSeq: number,
  limit: number,
): Promise<PendingDelivery[]> {
  const seq = dialect === 'postgres' ? 'd.position' : 'd.id';
  const rows = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.id', `${seq} as seq`, 'd.event_id', 'd.body', 'd.attempts', 'd.created_at'])
    .where('d.webhook_id', '=', webhookId)
    .where('d.status', '=', 'pending')
    .where(seq, '>', afterSeq)
    .where('w.enabled', '=', 1)
    .orderBy(seq)
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    seq: Number(r.seq),
    event_id: r.event_id,
    body: r.body,
    attempts: Number(r.attempts),
    created_at: Number(r.created_at),
  }));
}

/**
 * Counts for the operator metrics, each answered from an index: live peers
 * from `(status, last_seen_at)`, finished peers awaiting compaction from
 * `peers_compaction (chunks_compacted_at, status, left_at)`. Database-wide
 * (every process of a deployment reports the same figure).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Peers currently live. */
export async function countLivePeers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('peers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', '=', 'live')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Finished peers whose compaction is due (left more than `afterMs` before `now`) and not done yet. */
export async function countCompactionBacklog(
  db: Kysely<Database>,
  now: number,
  afterMs: number,
): Promise<number> {
  const row = await db
    .selectFrom('peers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('chunks_compacted_at', 'is', null)
    .where('status', '=', 'left')
    .where('left_at', '<', now - afterMs)
    .where('expired_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Webhook events recorded and not delivered yet (pending deliveries of
 * enabled webhooks; a disabled webhook's queue waits for it to be enabled
 * again and is not counted), from `webhook_deliveries_queue (webhook_id,
 * status, id)` per enabled webhook.
 */
export async function countWebhookBacklog(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('w.enabled', '=', 1)
    .where('d.status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Per-webhook delivery order on PostgreSQL, in commit order.
 *
 * A delivery's `id` comes from an identity sequence when its row is inserted, not when its transaction commits, so
 * two transactions recording events for one webhook can commit in the other order: a reader that had sent the
 * higher id would then find the lower one behind it. Deliveries therefore get a second number, `position`, only
 * after they committed: the process holding the webhook's lease numbers the committed, unnumbered rows of that
 * webhook (in id order, under the webhook row's lock) from `webhooks.sequenced` on, and sends in `position` order.
 * A row that commits later gets a higher position than every row already numbered, so nothing is ever sent behind
 * a later event; and an event recorded by a transaction that saw another's commit has a higher id, so when both
 * are numbered together the causal order is kept (src/store/webhook-order.ts).
 *
 * SQLite has one writer at a time, so its ids are in commit order already: the columns exist there (one schema)
 * and stay unused.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds `webhook_deliveries.position` and `webhooks.sequenced`, numbering the existing rows by id. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('webhook_deliveries').addColumn('position', 'bigint').execute();
  await db.schema
    .alterTable('webhooks')
    .addColumn('sequenced', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  if (dialect !== 'postgres') return;
  // Rows recorded before this version committed before the migration (it runs at start-up): their id order is
  // the order the earlier version sent them in.
  await sql`update webhook_deliveries set position = id`.execute(db);
  await sql`update webhooks w set sequenced = coalesce((select max(d.id) from webhook_deliveries d where d.webhook_id = w.id), 0)`.execute(
    db,
  );
  // The sender reads a webhook's pending rows by position; the numbering step finds the unnumbered ones.
  await db.schema
    .createIndex('webhook_deliveries_sequence')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'status', 'position'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_unsequenced')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'id'])
    .where(sql.ref('position'), 'is', null)
    .execute();
}

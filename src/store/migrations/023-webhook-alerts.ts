/** Live quality alerts: the last one fired per peer and issue kind, so each fires at most once per window. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Creates `webhook_alerts`. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('webhook_alerts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('fired_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_alerts_pk', ['peer_id', 'kind'])
    .execute();
}

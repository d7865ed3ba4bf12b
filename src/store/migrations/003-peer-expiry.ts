/** Retention: a peer whose telemetry was removed keeps its identity and says when it expired. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds `peers.expired_at`. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('peers').addColumn('expired_at', 'bigint').execute();
  await db.schema.createIndex('peers_updated').on('peers').columns(['updated_at']).execute();
}

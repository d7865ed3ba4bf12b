/** The export's order: an app's finished peers by finished time, then id. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds `peers_app_left (app_id, left_at, id)`: every export page is read in index order. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createIndex('peers_app_left')
    .on('peers')
    .columns(['app_id', 'left_at', 'id'])
    .execute();
}

/** Live peers of one participant, found without reading its past peers (the per-participant cap of live peers runs at every join). */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds an index on `peers (participant_id, status, joined_at)`. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createIndex('peers_participant_status')
    .on('peers')
    .columns(['participant_id', 'status', 'joined_at'])
    .execute();
}

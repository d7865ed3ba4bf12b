/** Compaction of finished peers' quality chunks: when it happened, and an index to find those still to do. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/**
 * Adds `peers.chunks_compacted_at` (finished peers), `peers.chunks_merged_at`
 * and `peers.chunks_merged_upto` (live peers: when, and up to which chunk id)
 * and the index that finds finished peers still to compact.
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('peers').addColumn('chunks_compacted_at', 'bigint').execute();
  await db.schema.alterTable('peers').addColumn('chunks_merged_at', 'bigint').execute();
  await db.schema.alterTable('peers').addColumn('chunks_merged_upto', 'bigint').execute();
  await db.schema
    .createIndex('peers_compaction')
    .on('peers')
    .columns(['chunks_compacted_at', 'status', 'left_at'])
    .execute();
}

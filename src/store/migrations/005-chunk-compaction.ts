/** Compaction of finished peers' quality chunks: when it happened, and an index to find those still to do. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds `peers.chunks_compacted_at` and its index. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('peers').addColumn('chunks_compacted_at', 'bigint').execute();
  await db.schema.createIndex('peers_compaction').on('peers').columns(['chunks_compacted_at', 'status', 'left_at']).execute();
}

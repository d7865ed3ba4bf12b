/** A finished peer's quality aggregates, computed once when its chunks are compacted. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/**
 * Adds `peers.quality_aggregates` (JSON: the report's `*_cumulative` objects and
 * `quality_stats` summary) and `peers.quality_aggregates_upto` (the highest
 * chunk id they cover: a chunk above it, say a late batch, makes them stale).
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('peers').addColumn('quality_aggregates', 'text').execute();
  await db.schema.alterTable('peers').addColumn('quality_aggregates_upto', 'bigint').execute();
}

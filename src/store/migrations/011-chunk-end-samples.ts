/** Out-of-order batches: each quality chunk keeps the cumulative samples at its ends. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/**
 * Adds `quality_chunks.first_sample` and `quality_chunks.last_sample` (JSON of
 * the cumulative samples at the chunk's first and last row): a late batch is
 * derived from the sample before its gap, and the sample after it derived
 * again (src/ingest/late-samples.ts). Chunks stored before have none; a gap
 * next to one of them is not filled (its samples are skipped, as before).
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema.alterTable('quality_chunks').addColumn('first_sample', 'text').execute();
  await db.schema.alterTable('quality_chunks').addColumn('last_sample', 'text').execute();
}

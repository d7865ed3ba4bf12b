/**
 * Indexes for the sessions listing: sorted by minutes consumed, and filtered
 * by start time, within one app (each ends with the id tie-break the listing
 * orders by, so a page is read straight from the index).
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds the listing indexes. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createIndex('sessions_app_minutes')
    .on('sessions')
    .columns(['app_id', 'minutes_consumed', 'id'])
    .execute();
  await db.schema
    .createIndex('sessions_app_started')
    .on('sessions')
    .columns(['app_id', 'started_at', 'id'])
    .execute();
  await db.schema
    .createIndex('meetings_app_title')
    .on('meetings')
    .columns(['app_id', 'title'])
    .execute();
}

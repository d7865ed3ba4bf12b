/**
 * The sessions listing's time-ordered indexes carry the other time, so a page filtered by a `started_at` range
 * and sorted by `created_at` is found from the index alone: the creation-order indexes end with `started_at`
 * (the walk tests the range on each entry without reading its table row: at 1,000,000 sessions, skipping last
 * week's 29,000 to reach older ones read 29,000 rows, ~95 ms of CPU), and the start-time indexes end with
 * `created_at` (the matches' first and last creation times are read from the range alone, which bounds the
 * walk: last week's sessions oldest first walked the whole app before, 2.5 s). They replace the 033 indexes
 * they extend (same leading columns, so every query those served is served as before).
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Replaces the tenant-led created/started indexes of 033 by ones that also carry the other time. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  const on = (name: string, columns: string[]) =>
    db.schema.createIndex(name).on('sessions').columns(columns).execute();
  await on('sessions_tenant_created_started', [
    'account_id',
    'app_id',
    'created_at',
    'id',
    'started_at',
  ]);
  await on('sessions_tenant_status_created_started', [
    'account_id',
    'app_id',
    'status',
    'created_at',
    'id',
    'started_at',
  ]);
  await on('sessions_tenant_started_created', [
    'account_id',
    'app_id',
    'started_at',
    'created_at',
    'id',
  ]);
  await on('sessions_tenant_status_started_created', [
    'account_id',
    'app_id',
    'status',
    'started_at',
    'created_at',
    'id',
  ]);
  for (const old of [
    'sessions_tenant_created',
    'sessions_tenant_status_created',
    'sessions_tenant_started',
    'sessions_tenant_status_started',
  ])
    await db.schema.dropIndex(old).execute();
}

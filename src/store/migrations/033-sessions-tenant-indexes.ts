/**
 * Indexes of the sessions listing that lead with the tenant (`account_id`,
 * `app_id`), as its every query filters by both: the exact `total_count` is
 * then counted from the index alone instead of reading every table row of the
 * app (rows inserted out of time order made that a random read per session).
 * The status and meeting filters get their own indexes, so `status=LIVE` (a few
 * rows among many) and `search` (sessions of the meetings whose title matches)
 * read only their rows, in every sort order. The app-only indexes of 001/002
 * are dropped: they are prefixes-without-tenant of these and would only tempt
 * the planner into the table walk again.
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Adds the tenant-led listing indexes and drops the ones they replace. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  const on = (name: string, columns: string[]) =>
    db.schema.createIndex(name).on('sessions').columns(columns).execute();
  await on('sessions_tenant_created', ['account_id', 'app_id', 'created_at', 'id']);
  await on('sessions_tenant_minutes', ['account_id', 'app_id', 'minutes_consumed', 'id']);
  await on('sessions_tenant_started', ['account_id', 'app_id', 'started_at', 'id']);
  await on('sessions_tenant_status_created', [
    'account_id',
    'app_id',
    'status',
    'created_at',
    'id',
  ]);
  // A status filter with a time range: counted (edge days, see 034) and paged from here.
  await on('sessions_tenant_status_started', [
    'account_id',
    'app_id',
    'status',
    'started_at',
    'id',
  ]);
  await on('sessions_tenant_status_minutes', [
    'account_id',
    'app_id',
    'status',
    'minutes_consumed',
    'id',
  ]);
  // Sessions of given meetings (`associated_id`, `search`): counted and sorted from the index.
  await on('sessions_tenant_meeting', [
    'account_id',
    'app_id',
    'meeting_id',
    'status',
    'started_at',
    'created_at',
    'minutes_consumed',
    'id',
  ]);
  await db.schema.dropIndex('sessions_app_created').execute();
  await db.schema.dropIndex('sessions_app_minutes').execute();
  await db.schema.dropIndex('sessions_app_started').execute();
}

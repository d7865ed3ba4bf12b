/**
 * Sessions per tenant, status and UTC day of `started_at`, kept by triggers on
 * `sessions`, so the listing's exact `total_count` without a meeting or search
 * filter is summed from at most a row per day and status (plus, with a time
 * range, the sessions of its two edge days counted from the index) instead of
 * counted over every matching index entry (~10 ms of CPU per 100,000
 * sessions, linear). Triggers rather than application code, so every writer
 * (ingest, import, retention, bulk SQL) keeps the figure exact, in the same
 * transaction as the row change.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';
import { createCounterTriggers } from './counter-triggers.ts';

/** Milliseconds per day: `session_counts.day` is `floor(started_at / DAY_MS)`. */
export const DAY_MS = 86_400_000;

/** Creates `session_counts`, fills it from the existing sessions and adds the triggers. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('session_counts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('session_counts_pk', ['account_id', 'app_id', 'status', 'day'])
    .execute();
  // The UTC day of an epoch-ms time: integer division on both stores (times are positive).
  const day = (col: string) => `(${col} / ${DAY_MS})`;
  await sql
    .raw(
      `insert into session_counts (account_id, app_id, status, day, n) select account_id, app_id, status, ${day('started_at')}, count(*) from sessions group by account_id, app_id, status, ${day('started_at')}`,
    )
    .execute(db);
  await createCounterTriggers(db, dialect, {
    name: 'sessions_count',
    counted: 'sessions',
    counts: 'session_counts',
    keys: [
      { column: 'account_id', of: (row) => `${row}.account_id` },
      { column: 'app_id', of: (row) => `${row}.app_id` },
      { column: 'status', of: (row) => `${row}.status` },
      { column: 'day', of: (row) => day(`${row}.started_at`) },
    ],
    watched: ['status', 'account_id', 'app_id', 'started_at'],
  });
}

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
  const add = (row: 'new' | 'old') =>
    `insert into session_counts (account_id, app_id, status, day, n) values (${row}.account_id, ${row}.app_id, ${row}.status, ${day(`${row}.started_at`)}, 1) on conflict (account_id, app_id, status, day) do update set n = session_counts.n + 1`;
  const remove = (row: 'new' | 'old') =>
    `update session_counts set n = n - 1 where account_id = ${row}.account_id and app_id = ${row}.app_id and status = ${row}.status and day = ${day(`${row}.started_at`)}`;
  const moved =
    'old.status is distinct from new.status or old.account_id is distinct from new.account_id or old.app_id is distinct from new.app_id or old.started_at is distinct from new.started_at';
  if (dialect === 'sqlite') {
    await sql
      .raw(`create trigger sessions_count_insert after insert on sessions begin ${add('new')}; end`)
      .execute(db);
    await sql
      .raw(
        `create trigger sessions_count_delete after delete on sessions begin ${remove('old')}; end`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger sessions_count_update after update of status, account_id, app_id, started_at on sessions when ${moved.replaceAll('is distinct from', 'is not')} begin ${remove('old')}; ${add('new')}; end`,
      )
      .execute(db);
    return;
  }
  await sql
    .raw(
      `create function sessions_count_change() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then ${remove('old')}; end if;
  if tg_op in ('INSERT', 'UPDATE') then ${add('new')}; end if;
  return null;
end $$`,
    )
    .execute(db);
  await sql
    .raw(
      'create trigger sessions_count_insert_delete after insert or delete on sessions for each row execute function sessions_count_change()',
    )
    .execute(db);
  await sql
    .raw(
      `create trigger sessions_count_update after update of status, account_id, app_id, started_at on sessions for each row when (${moved}) execute function sessions_count_change()`,
    )
    .execute(db);
}

/**
 * Sessions per meeting and status, kept by triggers on `sessions` (as 034 keeps them per app and day), so the
 * `total_count` of a listing filtered by meeting or `search` without a time range is summed from one row per
 * matching meeting and status instead of counted over every matching index entry: a search matching 111 of
 * 1,000 meetings counted 111,087 entries at 1,000,000 sessions (~70 ms of CPU, linear).
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Creates `meeting_session_counts`, fills it from the existing sessions and adds the triggers. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('meeting_session_counts')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('meeting_session_counts_pk', [
      'account_id',
      'app_id',
      'meeting_id',
      'status',
    ])
    .execute();
  await sql
    .raw(
      'insert into meeting_session_counts (account_id, app_id, meeting_id, status, n) select account_id, app_id, meeting_id, status, count(*) from sessions group by account_id, app_id, meeting_id, status',
    )
    .execute(db);
  const add = (row: 'new' | 'old') =>
    `insert into meeting_session_counts (account_id, app_id, meeting_id, status, n) values (${row}.account_id, ${row}.app_id, ${row}.meeting_id, ${row}.status, 1) on conflict (account_id, app_id, meeting_id, status) do update set n = meeting_session_counts.n + 1`;
  const remove = (row: 'new' | 'old') =>
    `update meeting_session_counts set n = n - 1 where account_id = ${row}.account_id and app_id = ${row}.app_id and meeting_id = ${row}.meeting_id and status = ${row}.status`;
  const moved =
    'old.status is distinct from new.status or old.account_id is distinct from new.account_id or old.app_id is distinct from new.app_id or old.meeting_id is distinct from new.meeting_id';
  if (dialect === 'sqlite') {
    await sql
      .raw(
        `create trigger sessions_meeting_count_insert after insert on sessions begin ${add('new')}; end`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger sessions_meeting_count_delete after delete on sessions begin ${remove('old')}; end`,
      )
      .execute(db);
    await sql
      .raw(
        `create trigger sessions_meeting_count_update after update of status, account_id, app_id, meeting_id on sessions when ${moved.replaceAll('is distinct from', 'is not')} begin ${remove('old')}; ${add('new')}; end`,
      )
      .execute(db);
    return;
  }
  await sql
    .raw(
      `create function sessions_meeting_count_change() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then ${remove('old')}; end if;
  if tg_op in ('INSERT', 'UPDATE') then ${add('new')}; end if;
  return null;
end $$`,
    )
    .execute(db);
  await sql
    .raw(
      'create trigger sessions_meeting_count_insert_delete after insert or delete on sessions for each row execute function sessions_meeting_count_change()',
    )
    .execute(db);
  await sql
    .raw(
      `create trigger sessions_meeting_count_update after update of status, account_id, app_id, meeting_id on sessions for each row when (${moved}) execute function sessions_meeting_count_change()`,
    )
    .execute(db);
}

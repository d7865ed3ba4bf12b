/**
 * Triggers that keep a table of row counts exact as rows of a counted table are inserted, deleted or moved
 * between keys (the pattern of 034's `session_counts` and 056's `meeting_session_counts`): every writer (ingest,
 * import, retention, bulk SQL) keeps the figure, in the same transaction as the row change.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** What a counts table is keyed by and which columns of the counted rows decide the key. */
export interface CounterTriggers {
  /** Prefix of the trigger (and PostgreSQL function) names, e.g. `sessions_count`. */
  name: string;
  /** The counted table, e.g. `sessions`. */
  counted: string;
  /** The counts table: its key columns and a column `n`. */
  counts: string;
  /** Each key column of `counts` with its value for a row (`new` or `old`) of the counted table. */
  keys: ReadonlyArray<{ column: string; of: (row: 'new' | 'old') => string }>;
  /** Columns of the counted table whose change moves a row to another key (in `after update of` order). */
  watched: readonly string[];
}

/** Creates the insert, delete and update triggers of `spec` on either store. */
export async function createCounterTriggers(
  db: Kysely<any>,
  dialect: StoreDialect,
  spec: CounterTriggers,
): Promise<void> {
  const columns = spec.keys.map((k) => k.column).join(', ');
  const add = (row: 'new' | 'old') =>
    `insert into ${spec.counts} (${columns}, n) values (${spec.keys.map((k) => k.of(row)).join(', ')}, 1) on conflict (${columns}) do update set n = ${spec.counts}.n + 1`;
  const remove = (row: 'new' | 'old') =>
    `update ${spec.counts} set n = n - 1 where ${spec.keys.map((k) => `${k.column} = ${k.of(row)}`).join(' and ')}`;
  const watched = spec.watched.join(', ');
  const moved = spec.watched.map((c) => `old.${c} is distinct from new.${c}`).join(' or ');
  const run = (text: string) => sql.raw(text).execute(db);
  if (dialect === 'sqlite') {
    await run(
      `create trigger ${spec.name}_insert after insert on ${spec.counted} begin ${add('new')}; end`,
    );
    await run(
      `create trigger ${spec.name}_delete after delete on ${spec.counted} begin ${remove('old')}; end`,
    );
    await run(
      `create trigger ${spec.name}_update after update of ${watched} on ${spec.counted} when ${moved.replaceAll('is distinct from', 'is not')} begin ${remove('old')}; ${add('new')}; end`,
    );
    return;
  }
  await run(`create function ${spec.name}_change() returns trigger language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then ${remove('old')}; end if;
  if tg_op in ('INSERT', 'UPDATE') then ${add('new')}; end if;
  return null;
end $$`);
  await run(
    `create trigger ${spec.name}_insert_delete after insert or delete on ${spec.counted} for each row execute function ${spec.name}_change()`,
  );
  await run(
    `create trigger ${spec.name}_update after update of ${watched} on ${spec.counted} for each row when (${moved}) execute function ${spec.name}_change()`,
  );
}

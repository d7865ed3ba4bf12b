/**
 * PostgreSQL: the bucket JSON of `rollup_buckets` and `rollup_cells` compressed with lz4 instead of pglz when
 * the server has it (PostgreSQL 14+ built with lz4). Every finished peer rewrites 44 of these rows, most over
 * the 2 KB that makes PostgreSQL compress them; pglz was about a quarter of the database's CPU for a peer's
 * rollup (issue 15: the rollups may add ≤ 5 % to a peer's ingest CPU). Rows written before keep their pglz
 * values (both are read transparently). SQLite does not compress: nothing to do.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Sets lz4 compression on the two bucket tables' `data` column, when available. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  if (dialect !== 'postgres') return;
  const { rows } = await sql<{ ok: boolean }>`
    select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'
  `.execute(db);
  if (!rows[0]?.ok) return;
  for (const table of ['rollup_buckets', 'rollup_cells'])
    await sql.raw(`alter table ${table} alter column data set compression lz4`).execute(db);
}

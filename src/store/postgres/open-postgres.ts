/**
 * PostgreSQL backend: a `pg` pool behind Kysely, migrated on open. BIGINT
 * columns hold epoch milliseconds, well inside JavaScript's safe integers, so
 * they are parsed as numbers.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '../schema.ts';
import { queryLog, type DatabaseOptions, type OpenDatabase } from '../open-database.ts';
import { migrateToLatest } from '../migrate.ts';

pg.types.setTypeParser(20, (v) => Number(v)); // int8
pg.types.setTypeParser(1700, (v) => Number(v)); // numeric

/** Opens a PostgreSQL database by URL. */
export async function openPostgres(
  url: string,
  poolSize = 10,
  onQuery?: DatabaseOptions['onQuery'],
): Promise<OpenDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: queryLog(onQuery),
  });
  await migrateToLatest(db, 'postgres');
  const u = new URL(url);
  return {
    db,
    dialect: 'postgres',
    pool,
    location: `postgres://${u.host}${u.pathname}`,
    close: () => db.destroy(),
  };
}

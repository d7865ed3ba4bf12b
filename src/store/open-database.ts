/**
 * Opens the configured database as a Kysely handle: the embedded SQLite file under `dataDir` (the zero-setup
 * default, sqlite/open-sqlite.ts) or PostgreSQL when `databaseUrl` is given (postgres/open-postgres.ts). Store
 * internal: everything outside src/store opens a {@link Store} with `openStore` (open-store.ts).
 */
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import type { Kysely, KyselyConfig } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';

/** Where to store data. */
export interface DatabaseOptions {
  /** Directory of the embedded database (default `./data`). */
  dataDir?: string;
  /** `postgres://...`; when set, PostgreSQL is used instead of the embedded database. */
  databaseUrl?: string;
  /** PostgreSQL connections per process (default 10). */
  pgPoolSize?: number;
  /**
   * SQLite `synchronous` (default `full`): each commit is fsynced, so an acknowledged batch survives power
   * loss; `normal` fsyncs the WAL at checkpoints only (a batch survives a crash of the process, the last ones
   * may be lost with the machine: the operator's choice).
   */
  sqliteSynchronous?: 'full' | 'normal';
  /** Called after each statement run through Kysely with its SQL and duration (ms): the metrics' database timings. */
  onQuery?: (sql: string, ms: number) => void;
}

/** An open database handle. */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** The embedded store's connection under `db` (absent on PostgreSQL), for the ingest's prepared statements. */
  sqlite?: SQLite.Database;
  /** PostgreSQL's pool under `db` (absent on SQLite), for reads of rows as arrays. */
  pool?: pg.Pool;
  /** Human-readable location, for logs (never includes credentials). */
  location: string;
  close(): Promise<void>;
}

/** Kysely's `log` option forwarding each statement's timing to `onQuery` (none without it). */
export function queryLog(onQuery: DatabaseOptions['onQuery']): KyselyConfig['log'] {
  if (!onQuery) return undefined;
  return (event) => {
    if (event.level === 'query') onQuery(event.query.sql, event.queryDurationMillis);
  };
}

/** Opens (and migrates) the database described by `options`. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres/open-postgres.ts');
    return openPostgres(options.databaseUrl, options.pgPoolSize, options.onQuery);
  }
  const { openSqlite } = await import('./sqlite/open-sqlite.ts');
  return openSqlite(options);
}

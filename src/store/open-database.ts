/**
 * Opens the configured database: the embedded SQLite file under `dataDir`
 * (the zero-setup default) or PostgreSQL when `databaseUrl` is given.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type KyselyConfig } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { migrateToLatest } from './migrate.ts';
import { withStatementCache } from './cached-statements.ts';
import { ImmediateTransactionSqliteDialect } from './immediate-transactions.ts';

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
  const dataDir = path.resolve(options.dataDir ?? './data');
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'peer-report.sqlite');
  const sqlite = new SQLite(file);
  // Wait (rather than fail) while another process holds the write lock.
  sqlite.pragma('busy_timeout = 5000');
  // WAL lets readers (and the `token create` CLI) work next to the server.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.sqliteSynchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  sqlite.pragma('cache_size = -65536');
  // Checkpoint every ~40 MB of WAL instead of SQLite's default ~4 MB: the
  // ingest rewrites the same hot pages (indexes, stream states, peer rows) in
  // every group commit, and a checkpoint copies each page once however often
  // it changed, so a longer window copies far less (measured: +15-20 %
  // ingest with 10 s batches). The file is truncated back to 64 MB after a
  // checkpoint so that a burst does not leave it large.
  sqlite.pragma('wal_autocheckpoint = 10000');
  sqlite.pragma('journal_size_limit = 67108864');
  const db = new Kysely<Database>({
    // Transactions begin immediate: see immediate-transactions.ts.
    dialect: new ImmediateTransactionSqliteDialect({ database: withStatementCache(sqlite) }),
    log: queryLog(options.onQuery),
  });
  await migrateToLatest(db, 'sqlite');
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    location: file,
    close: () => db.destroy(),
  };
}

/** Opens (and migrates) the embedded SQLite database under `dataDir`. */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { queryLog, type DatabaseOptions, type OpenDatabase } from '../open-database.ts';
import { migrateToLatest } from '../migrate.ts';
import { withStatementCache } from '../cached-statements.ts';
import { ImmediateTransactionSqliteDialect } from '../immediate-transactions.ts';

/** Opens the embedded database described by `options` (`dataDir`, `sqliteSynchronous`, `onQuery`). */
export async function openSqlite(options: DatabaseOptions): Promise<OpenDatabase> {
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

/**
 * A better-sqlite3 handle that reuses prepared statements. Kysely prepares
 * every query it runs; preparing costs more than executing for the small
 * statements of the ingest path, so statements are cached by SQL text (LRU).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Wraps `db` so that `prepare` returns cached statements. */
export function withStatementCache(db: BetterSqlite3.Database, capacity = 512): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      // Write transactions take the write lock up front: with several server
      // processes on one file, a deferred transaction that read first could
      // not upgrade (SQLITE_BUSY_SNAPSHOT); an immediate one waits its turn.
      if (sql === 'begin') sql = 'begin immediate';
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt as unknown as SqliteStatement;
    },
  };
}

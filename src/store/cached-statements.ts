/**
 * A better-sqlite3 handle that reuses prepared statements. Kysely prepares
 * every query it runs; preparing costs more than executing for the small
 * statements of the ingest path, so statements are cached by SQL text (LRU).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';

/** Wraps `db` so that `prepare` returns cached statements. */
export function withStatementCache(db: BetterSqlite3.Database, capacity = 512): SqliteDatabase {
  const cache = new LRUCache<string, BetterSqlite3.Statement>({ max: capacity });
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}

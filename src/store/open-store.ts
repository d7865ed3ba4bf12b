/**
 * Opens the configured {@link Store}: the embedded SQLite file under `dataDir` (the zero-setup default) or
 * PostgreSQL when `databaseUrl` is given. The only way code outside src/store reaches storage.
 */
import type { DatabaseOptions } from './open-database.ts';
import type { Store } from './store.ts';

export type { Store } from './store.ts';
/** Where to store data. */
export type StoreOptions = DatabaseOptions;

/** Opens (and migrates) the store described by `options`. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  if (options.databaseUrl) {
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    return openPostgresStore(options.databaseUrl, options);
  }
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
  return openSqliteStore(options);
}

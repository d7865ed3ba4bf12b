/** The store on the embedded SQLite database. */
import type { DatabaseOptions } from '../open-database.ts';
import type { Store } from '../store.ts';
import { kyselyStore } from '../kysely-store.ts';
import { registerDatabase } from '../store-internals.ts';
import { openSqlite } from './open-sqlite.ts';
import { sqliteAdapter } from './sqlite-adapter.ts';

/** Opens (and migrates) the embedded store under `options.dataDir`. */
export async function openSqliteStore(options: DatabaseOptions): Promise<Store> {
  const database = await openSqlite(options);
  const store = kyselyStore({
    db: database.db,
    adapter: sqliteAdapter(database.sqlite!, options.onQuery),
    location: database.location,
    destroy: () => database.close(),
  });
  return registerDatabase(store, database);
}

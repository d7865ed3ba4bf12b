/** The store on PostgreSQL. */
import type { DatabaseOptions } from '../open-database.ts';
import type { Store } from '../store.ts';
import { kyselyStore } from '../kysely-store.ts';
import { registerDatabase } from '../store-internals.ts';
import { openPostgres } from './open-postgres.ts';
import { postgresAdapter } from './postgres-adapter.ts';

/** Opens (and migrates) the PostgreSQL store at `url`. */
export async function openPostgresStore(url: string, options: DatabaseOptions): Promise<Store> {
  const database = await openPostgres(url, options.pgPoolSize, options.onQuery);
  const store = kyselyStore({
    db: database.db,
    adapter: postgresAdapter(database.pool!, options.onQuery),
    location: database.location,
    destroy: () => database.close(),
  });
  return registerDatabase(store, database);
}

/**
 * The database under a {@link Store}, for the store's own modules and for tests that seed or inspect rows
 * directly. ESLint forbids importing this module outside src/store (eslint.config.js): application code uses the
 * store's verbs.
 */
import type { OpenDatabase } from './open-database.ts';
import type { Store } from './store.ts';

const handles = new WeakMap<Store, OpenDatabase>();

/** Records the database of `store` (called by the backends that open it). */
export function registerDatabase(store: Store, database: OpenDatabase): Store {
  handles.set(store, database);
  return store;
}

/** The database of `store`. */
export function databaseOf(store: Store): OpenDatabase {
  const database = handles.get(store);
  if (!database) throw new Error('not a store opened by openStore');
  return database;
}

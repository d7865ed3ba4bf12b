/**
 * Row locks of the backend named `dialect`, for the shared query modules that still receive the backend's name
 * (the adapters' `lockRowsForUpdate` is the same rule): PostgreSQL locks the rows a query reads until the commit
 * (`FOR UPDATE`); SQLite's write transaction already holds the one write lock, so the query is left as it is.
 */
import type { StoreDialect } from './store-dialect.ts';
import type { ForUpdate } from './telemetry-batch-write.ts';

/** `query` locking the rows it reads, where the backend has row locks. */
export function lockRows<Q extends ForUpdate>(dialect: StoreDialect, query: Q): Q {
  return dialect === 'postgres' ? query.forUpdate() : query;
}

/**
 * What differs between the backends, as methods each backend folder supplies (sqlite/, postgres/), in the way
 * Kysely keeps one folder per dialect: the shared query modules of src/store call these instead of checking a
 * dialect name.
 */
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { ForUpdate } from './telemetry-batch-write.ts';
import type { BatchJob, BatchOutcome, BatchRules } from './telemetry-write-types.ts';

/** One backend's capabilities. */
export interface DialectAdapter {
  /** The backend's name, for display and for the query modules not yet moved to adapter methods. */
  readonly name: StoreDialect;
  /** Locks the rows `query` reads until the commit (`FOR UPDATE`), where the backend has row locks. */
  lockRowsForUpdate<Q extends ForUpdate>(query: Q): Q;
  /**
   * Serialises transactions that take the lock `name` until their commit, between processes (PostgreSQL: an
   * advisory lock per schema; SQLite: nothing, the write transaction itself is exclusive).
   */
  lockNamed(tx: Transaction<Database>, name: string): Promise<void>;
  /** Writes a group of telemetry batches in a transaction of its own (the live ingest's group commit). */
  writeTelemetryGroup<J extends BatchJob>(
    db: Kysely<Database>,
    jobs: J[],
    rules: BatchRules<J>,
  ): Promise<BatchOutcome[]>;
  /** The same write inside a transaction the caller holds (an import's unit of work). */
  writeTelemetryIn<J extends BatchJob>(
    tx: Transaction<Database>,
    jobs: J[],
    rules: BatchRules<J>,
  ): Promise<BatchOutcome[]>;
  /** Group transactions in flight at once, given the configured number. */
  concurrentGroups(configured: number): number;
  /** Whether a process may cache peers' stream states between batches. */
  readonly cachesStreamStates: boolean;
  /**
   * The rows of a read-only `query` as arrays of column values in select order, with no object per row: for
   * reads of many thousands of rows (the quality queries' per-peer path), where building row objects costs more
   * than the database's own work.
   */
  selectArrays(db: Kysely<Database>, query: CompiledQuery): Promise<unknown[][]>;
  /**
   * Whether the per-peer figure rows are read packed (packed-figure-columns.ts): PostgreSQL sends every value as
   * text, one string to make and parse per value, so the database packs a row's figures into two integers;
   * SQLite hands over numbers directly and reads them plain.
   */
  readonly packsFigureRows: boolean;
  /**
   * Whether the planner picks indexes from the data's statistics (PostgreSQL, kept by autovacuum). Where it does
   * not (SQLite, which has none unless `ANALYZE` ran), a read of a time range's rows writes its dimension filters
   * so that no dimension index can serve them (`|| ''`), since the range's covering index is the right plan for
   * a broad filter; PostgreSQL gets them plain and weighs both (at 1,000,000 peers the written-around filters
   * cost it ~10 ms of a 7-day read, one string concatenation per row of the range).
   */
  readonly plansFromStatistics: boolean;
}

/**
 * SQLite's capabilities (dialect-adapter.ts): one writer, whose lock covers the whole transaction (no row
 * locks), and telemetry written through prepared statements on the connection under Kysely.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { DatabaseOptions } from '../open-database.ts';
import type { DialectAdapter } from '../dialect-adapter.ts';
import type { BatchJob, BatchOutcome, BatchRules } from '../telemetry-write-types.ts';
import { SqliteBatchStatements } from './sqlite-batch-statements.ts';
import { writeBatchSqlite } from './sqlite-group-write.ts';
import { lockRows } from '../row-locks.ts';

/**
 * The SQLite adapter of the connection `sqlite` (the one under the store's Kysely); `onQuery` times the
 * statements it runs outside Kysely.
 */
export function sqliteAdapter(
  sqlite: BetterSqlite3.Database,
  onQuery?: DatabaseOptions['onQuery'],
): DialectAdapter {
  let statements: SqliteBatchStatements | undefined;
  const prepared = () => (statements ??= new SqliteBatchStatements(sqlite));
  // Synchronous: a savepoint inside a transaction the caller holds, else its own immediate transaction.
  async function write<J extends BatchJob>(
    jobs: J[],
    rules: BatchRules<J>,
  ): Promise<BatchOutcome[]> {
    const s = prepared();
    return s.inTransaction(() => jobs.map((job) => writeBatchSqlite(s, job, rules)));
  }
  return {
    name: 'sqlite',
    lockRowsForUpdate: (query) => lockRows('sqlite', query),
    lockNamed: async () => {},
    // Holding Kysely's connection keeps its other queries (joins, reports) off it meanwhile.
    writeTelemetryGroup: (db, jobs, rules) => db.connection().execute(() => write(jobs, rules)),
    writeTelemetryIn: (_tx, jobs, rules) => write(jobs, rules),
    concurrentGroups: () => 1,
    cachesStreamStates: true,
    packsFigureRows: false,
    plansFromStatistics: false,
    // On the connection under Kysely, held meanwhile; a statement of its own (raw mode is the statement's).
    selectArrays: (db, query) =>
      db.connection().execute(async () => {
        const t0 = performance.now();
        const rows = sqlite
          .prepare(query.sql)
          .raw(true)
          .all(...query.parameters) as unknown[][];
        onQuery?.(query.sql, performance.now() - t0);
        return rows;
      }),
  };
}

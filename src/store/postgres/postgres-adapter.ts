/** PostgreSQL's capabilities (dialect-adapter.ts): row locks, set-based group writes, parallel groups. */
import { sql } from 'kysely';
import type pg from 'pg';
import type { DatabaseOptions } from '../open-database.ts';
import type { DialectAdapter } from '../dialect-adapter.ts';
import { writeBatch } from '../telemetry-batch-write.ts';
import { lockRows } from '../row-locks.ts';
import { writeGroupPostgres } from './postgres-group-write.ts';

/** The PostgreSQL adapter over `pool` (the one under the store's Kysely); `onQuery` times the statements it runs outside Kysely. */
export function postgresAdapter(
  pool: pg.Pool,
  onQuery?: DatabaseOptions['onQuery'],
): DialectAdapter {
  const adapter: DialectAdapter = {
    name: 'postgres',
    lockRowsForUpdate: (query) => lockRows('postgres', query),
    lockNamed: async (tx, name) => {
      await sql`select pg_advisory_xact_lock(hashtext(${name} || ' ' || coalesce(current_schema(), '')))`.execute(
        tx,
      );
    },
    writeTelemetryGroup: (db, jobs, rules) =>
      db.transaction().execute((tx) => adapter.writeTelemetryIn(tx, jobs, rules)),
    writeTelemetryIn: (tx, jobs, rules) =>
      writeGroupPostgres(tx, jobs, rules, (job) =>
        writeBatch(tx, adapter.lockRowsForUpdate, job, rules),
      ),
    // A group spends most of its time waiting on round trips: several in flight, each on its own connection.
    concurrentGroups: (configured) => configured,
    cachesStreamStates: false,
    packsFigureRows: true,
    plansFromStatistics: true,
    selectArrays: async (_db, query) => {
      const t0 = performance.now();
      const { rows } = await pool.query<unknown[]>({
        text: query.sql,
        values: query.parameters as unknown[],
        rowMode: 'array',
      });
      onQuery?.(query.sql, performance.now() - t0);
      return rows;
    },
  };
  return adapter;
}

/** PostgreSQL's capabilities (dialect-adapter.ts): row locks, set-based group writes, parallel groups. */
import { sql } from 'kysely';
import type { DialectAdapter } from '../dialect-adapter.ts';
import { writeBatch } from '../telemetry-batch-write.ts';
import { lockRows } from '../row-locks.ts';
import { writeGroupPostgres } from './postgres-group-write.ts';

/** The PostgreSQL adapter. */
export const postgresAdapter: DialectAdapter = {
  name: 'postgres',
  lockRowsForUpdate: (query) => lockRows('postgres', query),
  lockNamed: async (tx, name) => {
    await sql`select pg_advisory_xact_lock(hashtext(${name} || ' ' || coalesce(current_schema(), '')))`.execute(
      tx,
    );
  },
  writeTelemetryGroup: (db, jobs, rules) =>
    db.transaction().execute((tx) => postgresAdapter.writeTelemetryIn(tx, jobs, rules)),
  writeTelemetryIn: (tx, jobs, rules) =>
    writeGroupPostgres(tx, jobs, rules, (job) =>
      writeBatch(tx, postgresAdapter.lockRowsForUpdate, job, rules),
    ),
  // A group spends most of its time waiting on round trips: several in flight, each on its own connection.
  concurrentGroups: (configured) => configured,
  cachesStreamStates: false,
};

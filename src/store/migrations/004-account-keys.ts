/**
 * Every telemetry table carries `account_id`, the distribution key a sharding
 * extension (Citus) would shard on, so one account's ingest transaction and
 * report read stay on one shard. Existing rows are filled from their peer.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Tables keyed by peer that gain `account_id`. */
export const PEER_TABLES = [
  'peer_batches',
  'peer_events',
  'device_updates',
  'pc_metadata',
  'candidate_pairs',
  'stream_state',
] as const;

/** Adds and backfills `account_id` on the per-peer tables. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  for (const table of PEER_TABLES) {
    await db.schema
      .alterTable(table)
      .addColumn('account_id', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await sql`UPDATE ${sql.table(table)} SET account_id = (SELECT p.account_id FROM peers p WHERE p.id = ${sql.table(table)}.peer_id)
      WHERE EXISTS (SELECT 1 FROM peers p WHERE p.id = ${sql.table(table)}.peer_id)`.execute(db);
  }
}

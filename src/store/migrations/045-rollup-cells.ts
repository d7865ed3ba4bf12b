/**
 * Week and two-dimension rollup cells (src/rollup/rollup-cells.ts): table
 * `rollup_cells`, its second index (pairs read by their `b` value), and the
 * cells of the peers already rolled up (backfilled from `peer_rollups`, the
 * same code the writers use; the day buckets are rebuilt the same way, to
 * add their counts by verdict and issue kind). The peers query's index
 * becomes covering (severity, id, finish time, issue mask). Not touched by
 * the telemetry retention.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { StoreDialect } from '../store-dialect.ts';
import {
  BUCKETS_TABLE,
  bucketChangesOf,
  cellChangesOf,
  CELLS_TABLE,
} from '../rollup-cells-write.ts';
import { applyBucketChanges } from '../rollup-bucket-write.ts';
import { numericRollup } from '../rollup-rows.ts';
import type { PeerRollupsTable } from '../rollup-schema.ts';

/** Creates `rollup_cells` and fills it from the existing per-peer rollups. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('rollup_cells')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('grain', 'varchar(1)', (c) => c.notNull())
    .addColumn('a_dim', 'varchar(16)', (c) => c.notNull())
    .addColumn('b_dim', 'varchar(16)', (c) => c.notNull())
    .addColumn('a_value', 'varchar(64)', (c) => c.notNull())
    .addColumn('period', 'varchar(10)', (c) => c.notNull())
    .addColumn('b_value', 'varchar(64)', (c) => c.notNull())
    .addColumn('peers', 'bigint', (c) => c.notNull())
    .addColumn('minutes', 'double precision', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_cells_pk', [
      'app_id',
      'grain',
      'a_dim',
      'b_dim',
      'a_value',
      'period',
      'b_value',
    ])
    .execute();
  await db.schema
    .createIndex('rollup_cells_by_b')
    .on('rollup_cells')
    .columns(['app_id', 'grain', 'a_dim', 'b_dim', 'b_value', 'period', 'a_value'])
    .execute();
  await db.schema.dropIndex('peer_rollups_app_worst').execute();
  await db.schema
    .createIndex('peer_rollups_app_worst_covering')
    .on('peer_rollups')
    .columns(['app_id', 'severity', 'peer_id', 'finished_at', 'issue_mask'])
    .execute();
  // The day buckets are rebuilt too: their counts by verdict and issue kind (`vk`) were added with the cells.
  await db.deleteFrom('rollup_buckets').execute();
  let after = '';
  for (;;) {
    const rows = (await db
      .selectFrom('peer_rollups')
      .selectAll()
      .where('peer_id', '>', after)
      .orderBy('peer_id')
      .limit(5000)
      .execute()) as PeerRollupsTable[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1].peer_id;
    const changes = rows.map((r) => ({ peer: numericRollup(r), weight: 1 }));
    await applyBucketChanges(
      db as Kysely<Database>,
      dialect,
      BUCKETS_TABLE,
      bucketChangesOf(changes),
    );
    await applyBucketChanges(db as Kysely<Database>, dialect, CELLS_TABLE, cellChangesOf(changes));
  }
}

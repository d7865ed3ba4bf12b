/** Fleet quality rollups: one summary row per finished peer, and per-(app, day, dimension, value) buckets. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

const DIMENSIONS = ['browser', 'os', 'country', 'asn', 'network', 'verdict'] as const;

/**
 * Adds `peer_rollups` (src/rollup/peer-rollup.ts: a finished peer's
 * dimensions and figures; indexes for the peers query, worst first, by app
 * and by app and each dimension) and `rollup_buckets` (counts, verdicts,
 * issue kinds and histograms per app, UTC day, dimension and value; the
 * 7-day overview reads ≤ 7 × groups of these). Neither is touched by the
 * telemetry retention.
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('peer_rollups')
    .addColumn('peer_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('hour', 'varchar(2)', (c) => c.notNull())
    .addColumn('browser', 'varchar(64)', (c) => c.notNull())
    .addColumn('os', 'varchar(64)', (c) => c.notNull())
    .addColumn('country', 'varchar(64)', (c) => c.notNull())
    .addColumn('asn', 'varchar(64)', (c) => c.notNull())
    .addColumn('network', 'varchar(64)', (c) => c.notNull())
    .addColumn('minutes', 'double precision', (c) => c.notNull())
    .addColumn('audio_mos', 'double precision')
    .addColumn('video_mos', 'double precision')
    .addColumn('loss_p50', 'double precision')
    .addColumn('loss_p90', 'double precision')
    .addColumn('rtt_p50', 'double precision')
    .addColumn('rtt_p90', 'double precision')
    .addColumn('jitter_p50', 'double precision')
    .addColumn('jitter_p90', 'double precision')
    .addColumn('verdict', 'varchar(8)', (c) => c.notNull())
    .addColumn('issue_mask', 'integer', (c) => c.notNull())
    .addColumn('severity', 'integer', (c) => c.notNull())
    .addColumn('chunks_upto', 'bigint', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('peer_rollups_app_time')
    .on('peer_rollups')
    .columns(['app_id', 'finished_at'])
    .execute();
  await db.schema
    .createIndex('peer_rollups_app_worst')
    .on('peer_rollups')
    .columns(['app_id', 'severity', 'peer_id', 'finished_at'])
    .execute();
  await db.schema
    .createIndex('peer_rollups_computed')
    .on('peer_rollups')
    .columns(['computed_at'])
    .execute();
  for (const dim of DIMENSIONS) {
    await db.schema
      .createIndex(`peer_rollups_app_${dim}`)
      .on('peer_rollups')
      .columns(['app_id', dim, 'finished_at'])
      .execute();
  }
  await db.schema
    .createTable('rollup_buckets')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull())
    .addColumn('dim', 'varchar(16)', (c) => c.notNull())
    .addColumn('value', 'varchar(64)', (c) => c.notNull())
    .addColumn('peers', 'bigint', (c) => c.notNull())
    .addColumn('minutes', 'double precision', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_buckets_pk', ['app_id', 'dim', 'day', 'value'])
    .execute();
}

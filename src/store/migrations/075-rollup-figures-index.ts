/**
 * A quality query with two filters grouped by a third has no bucket (buckets hold at most two dimensions), so it
 * reads the range's matching per-peer rollups. Through a dimension's index every match cost a table lookup: at
 * 1,000,000 peers, Chrome and Windows by country over 7 days looked up ~33,000 rows (p50 91 ms, p99 282 ms on the
 * embedded store). This index leads with the time range and carries every column the buckets are built from, so
 * the range is read from the index alone. It replaces `peer_rollups_app_time` (same leading columns: every query
 * that one served is served as before).
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Replaces the (app, time) index of 030 by one that also covers the bucket figures. */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createIndex('peer_rollups_app_time_figures')
    .on('peer_rollups')
    .columns([
      'app_id',
      'finished_at',
      'browser',
      'os',
      'country',
      'asn',
      'network',
      'day',
      'hour',
      'minutes',
      'audio_mos',
      'video_mos',
      'loss_p50',
      'rtt_p50',
      'jitter_p50',
      'verdict',
      'issue_mask',
    ])
    .execute();
  await db.schema.dropIndex('peer_rollups_app_time').execute();
}

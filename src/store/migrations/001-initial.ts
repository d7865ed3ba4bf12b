/**
 * Initial schema. Written with Kysely's schema builder so the same migration
 * runs on SQLite and PostgreSQL; the few dialect differences (identity
 * columns) are switched on `dialect`.
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Applies the initial schema. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  const idColumn = (table: ReturnType<Kysely<any>['schema']['createTable']>) =>
    dialect === 'postgres'
      ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
      : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('apps_account')
    .on('apps')
    .columns(['account_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('meetings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('meetings_app')
    .on('meetings')
    .columns(['app_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('participants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('custom_participant_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('picture', 'text')
    .addColumn('preset_name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('participants_meeting')
    .on('participants')
    .columns(['meeting_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('live_participants', 'integer', (c) => c.notNull())
    .addColumn('max_concurrent_participants', 'integer', (c) => c.notNull())
    .addColumn('minutes_consumed', 'double precision', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // The sessions listing pages an app's sessions newest first, with a stable tie-break on id.
  await db.schema
    .createIndex('sessions_app_created')
    .on('sessions')
    .columns(['app_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('sessions_meeting_status')
    .on('sessions')
    .columns(['meeting_id', 'status'])
    .execute();

  await db.schema
    .createTable('peers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('meeting_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('participant_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    .addColumn('left_at', 'bigint')
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('leave_reason', 'text')
    .addColumn('client', 'text', (c) => c.notNull())
    .addColumn('ip_info', 'text')
    .addColumn('precall', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('peers_session')
    .on('peers')
    .columns(['session_id', 'joined_at'])
    .execute();
  await db.schema
    .createIndex('peers_participant')
    .on('peers')
    .columns(['participant_id'])
    .execute();
  await db.schema
    .createIndex('peers_live')
    .on('peers')
    .columns(['status', 'last_seen_at'])
    .execute();

  await db.schema
    .createTable('peer_batches')
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('peer_batches_pk', ['peer_id', 'batch_id'])
    .execute();

  await idColumn(db.schema.createTable('peer_events'))
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('pc', 'text')
    .addColumn('metadata', 'text')
    .execute();
  await db.schema
    .createIndex('peer_events_peer')
    .on('peer_events')
    .columns(['peer_id', 'ts'])
    .execute();

  await idColumn(db.schema.createTable('device_updates'))
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('device_updates_peer')
    .on('device_updates')
    .columns(['peer_id', 'ts'])
    .execute();

  await idColumn(db.schema.createTable('pc_metadata'))
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('pc', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('pc_metadata_peer')
    .on('pc_metadata')
    .columns(['peer_id', 'ts'])
    .execute();

  await db.schema
    .createTable('candidate_pairs')
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('pc', 'text', (c) => c.notNull())
    .addColumn('pair_id', 'text', (c) => c.notNull())
    .addColumn('ts', 'bigint', (c) => c.notNull())
    .addColumn('selected', 'integer', (c) => c.notNull())
    .addColumn('roles', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('candidate_pairs_pk', ['peer_id', 'pc', 'pair_id'])
    .execute();

  await db.schema
    .createTable('stream_state')
    .addColumn('peer_id', 'text', (c) => c.notNull())
    .addColumn('stream_key', 'text', (c) => c.notNull())
    .addColumn('series', 'text', (c) => c.notNull())
    .addColumn('last_ts', 'bigint', (c) => c.notNull())
    .addColumn('last_sample', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stream_state_pk', ['peer_id', 'stream_key'])
    .execute();

  // The bulk of the data: one row per stream per batch. `received_at` (ingest
  // time) drives retention, so an imported old recording is kept as long as
  // fresh data; `account_id` is the distribution key a sharding extension
  // (Citus) would use, co-located with peers and sessions.
  if (dialect === 'postgres') {
    // Range-partitioned by day of ingest (partitions are created ahead by
    // src/store/retention.ts; the default partition catches anything else).
    // A partitioned table's primary key must include the partition key.
    await sql`
      CREATE TABLE quality_chunks (
        id bigint GENERATED BY DEFAULT AS IDENTITY,
        account_id text NOT NULL,
        peer_id text NOT NULL,
        series text NOT NULL,
        stream_key text NOT NULL,
        first_ts bigint NOT NULL,
        last_ts bigint NOT NULL,
        n integer NOT NULL,
        rows_json bytea NOT NULL,
        metrics bytea NOT NULL,
        received_at bigint NOT NULL,
        PRIMARY KEY (id, received_at)
      ) PARTITION BY RANGE (received_at)`.execute(db);
    await sql`CREATE TABLE quality_chunks_default PARTITION OF quality_chunks DEFAULT`.execute(db);
  } else {
    await idColumn(db.schema.createTable('quality_chunks'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('peer_id', 'text', (c) => c.notNull())
      .addColumn('series', 'text', (c) => c.notNull())
      .addColumn('stream_key', 'text', (c) => c.notNull())
      .addColumn('first_ts', 'bigint', (c) => c.notNull())
      .addColumn('last_ts', 'bigint', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      // Bytes, not text: the report copies them to the socket without decoding.
      .addColumn('rows_json', 'blob', (c) => c.notNull())
      .addColumn('metrics', 'blob', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('quality_chunks_received')
      .on('quality_chunks')
      .columns(['received_at'])
      .execute();
  }
  await db.schema
    .createIndex('quality_chunks_peer')
    .on('quality_chunks')
    .columns(['peer_id', 'series', 'stream_key', 'first_ts'])
    .execute();
  void sql;
}

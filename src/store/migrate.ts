/**
 * Versioned migrations, applied in order and recorded in the
 * `kysely_migration` table, so an existing database upgrades in place.
 *
 * The runner is ours rather than Kysely's `Migrator`: that one introspects
 * every table of every schema in the database before it starts
 * (`has_schema_privilege`, `pg_get_serial_sequence` by name), which fails with
 * "schema … does not exist" whenever another schema of the same database is
 * dropped at that moment (several deployments or test runs sharing one
 * PostgreSQL database). This one touches only its own schema. It keeps
 * Kysely's bookkeeping table (same name and columns), so databases migrated
 * by earlier versions upgrade in place.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { StoreDialect } from './store-dialect.ts';
import * as initial from './migrations/001-initial.ts';
import * as sessionsIndexes from './migrations/002-sessions-indexes.ts';
import * as peerExpiry from './migrations/003-peer-expiry.ts';
import * as accountKeys from './migrations/004-account-keys.ts';
import * as chunkCompaction from './migrations/005-chunk-compaction.ts';
import * as qualityAggregates from './migrations/006-quality-aggregates.ts';
import * as peersParticipantLive from './migrations/007-peers-participant-live.ts';
import * as tokenLifecycle from './migrations/010-token-lifecycle.ts';
import * as chunkEndSamples from './migrations/011-chunk-end-samples.ts';
import * as serviceLiveness from './migrations/016-service-liveness.ts';
import * as peerDiagnosis from './migrations/019-peer-diagnosis.ts';
import * as webhooks from './migrations/022-webhooks.ts';
import * as webhookAlerts from './migrations/023-webhook-alerts.ts';
import * as exportOrderIndex from './migrations/028-export-order-index.ts';
import * as qualityRollups from './migrations/030-quality-rollups.ts';
import * as sessionsTenantIndexes from './migrations/033-sessions-tenant-indexes.ts';
import * as sessionCounts from './migrations/034-session-counts.ts';
import * as rollupDiagnosisKinds from './migrations/040-rollup-diagnosis-kinds.ts';
import * as rollupCells from './migrations/045-rollup-cells.ts';
import * as peerReportBodies from './migrations/055-peer-report-bodies.ts';
import * as meetingSessionCounts from './migrations/056-meeting-session-counts.ts';
import * as webhookDeliveryOrder from './migrations/060-webhook-delivery-order.ts';
import * as rollupDataLz4 from './migrations/065-rollup-data-lz4.ts';
import * as sessionsRangeIndexes from './migrations/070-sessions-range-indexes.ts';
import * as rollupFiguresIndex from './migrations/075-rollup-figures-index.ts';

type DialectMigration = { up(db: Kysely<any>, dialect: StoreDialect): Promise<void> };

/** All migrations, by name; names sort in application order. */
export const MIGRATIONS: Readonly<Record<string, DialectMigration>> = {
  '001-initial': initial,
  '002-sessions-indexes': sessionsIndexes,
  '003-peer-expiry': peerExpiry,
  '004-account-keys': accountKeys,
  '005-chunk-compaction': chunkCompaction,
  '006-quality-aggregates': qualityAggregates,
  '007-peers-participant-live': peersParticipantLive,
  '010-token-lifecycle': tokenLifecycle,
  '011-chunk-end-samples': chunkEndSamples,
  '016-service-liveness': serviceLiveness,
  '019-peer-diagnosis': peerDiagnosis,
  '022-webhooks': webhooks,
  '023-webhook-alerts': webhookAlerts,
  '028-export-order-index': exportOrderIndex,
  '030-quality-rollups': qualityRollups,
  '033-sessions-tenant-indexes': sessionsTenantIndexes,
  '034-session-counts': sessionCounts,
  '040-rollup-diagnosis-kinds': rollupDiagnosisKinds,
  '045-rollup-cells': rollupCells,
  '055-peer-report-bodies': peerReportBodies,
  '056-meeting-session-counts': meetingSessionCounts,
  '060-webhook-delivery-order': webhookDeliveryOrder,
  '065-rollup-data-lz4': rollupDataLz4,
  '070-sessions-range-indexes': sessionsRangeIndexes,
  '075-rollup-figures-index': rollupFiguresIndex,
};

/** The bookkeeping table (Kysely's name and layout). */
const MIGRATION_TABLE = 'kysely_migration';

/**
 * Brings the schema to the newest version, all pending migrations in one
 * transaction; throws naming the failing migration. Serialised between
 * processes: `BEGIN IMMEDIATE` on SQLite (see cached-statements), a
 * transaction-scoped advisory lock per schema on PostgreSQL.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(hashtext('peer-report migrations ' || coalesce(current_schema(), '')))`.execute(
        tx,
      );
    await sql`create table if not exists ${sql.table(MIGRATION_TABLE)} (name varchar(255) not null primary key, timestamp varchar(255) not null)`.execute(
      tx,
    );
    const applied = new Set(
      (await tx.selectFrom(MIGRATION_TABLE).select('name').execute()).map((r) => String(r.name)),
    );
    const unknown = [...applied].filter((name) => !(name in MIGRATIONS));
    if (unknown.length > 0) {
      throw new Error(
        `the database was migrated by a newer peer-report (migrations ${unknown.join(', ')} are unknown to this version); upgrade peer-report`,
      );
    }
    for (const [name, migration] of Object.entries(MIGRATIONS)) {
      if (applied.has(name)) continue;
      await runOne(tx, dialect, name, migration);
    }
  });
}

async function runOne(
  tx: Transaction<any>,
  dialect: StoreDialect,
  name: string,
  migration: DialectMigration,
): Promise<void> {
  try {
    await migration.up(tx, dialect);
  } catch (err) {
    throw new Error(
      `database migration ${name} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  await tx
    .insertInto(MIGRATION_TABLE)
    .values({ name, timestamp: new Date().toISOString() })
    .execute();
}

/**
 * Versioned migrations, applied in order and recorded in the
 * `kysely_migration` table, so an existing database upgrades in place.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { StoreDialect } from './store-dialect.ts';
import * as initial from './migrations/001-initial.ts';
import * as sessionsIndexes from './migrations/002-sessions-indexes.ts';
import * as peerExpiry from './migrations/003-peer-expiry.ts';
import * as accountKeys from './migrations/004-account-keys.ts';
import * as chunkCompaction from './migrations/005-chunk-compaction.ts';

type DialectMigration = { up(db: Kysely<any>, dialect: StoreDialect): Promise<void> };

/** All migrations, by name; names sort in application order. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '001-initial': initial,
  '002-sessions-indexes': sessionsIndexes,
  '003-peer-expiry': peerExpiry,
  '004-account-keys': accountKeys,
  '005-chunk-compaction': chunkCompaction,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: StoreDialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, m] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => m.up(db, this.dialect) };
    }
    return out;
  }
}

/** Brings the schema to the newest version; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, dialect: StoreDialect, schema?: string): Promise<void> {
  // On PostgreSQL the bookkeeping tables live in the connection's schema (several
  // databases may share a server, e.g. one schema per test or per tenant group).
  const migrator = new Migrator({ db, provider: new StaticProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? '?'} failed: ${String((error as Error).message ?? error)}`);
  }
}

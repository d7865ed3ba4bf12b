/** The service's own liveness, so the timeout sweeper can tell a peer's silence from the server's downtime. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/**
 * Adds `service_liveness`: one row (id 1) shared by every process of the
 * database, with the last time any of them was alive (`alive_at`) and the
 * time the service last came back after a gap without any (`resumed_at`).
 */
export async function up(db: Kysely<any>, _dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('service_liveness')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('alive_at', 'bigint', (c) => c.notNull())
    .addColumn('resumed_at', 'bigint', (c) => c.notNull())
    .execute();
}

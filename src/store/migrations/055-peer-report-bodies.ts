/**
 * `peer_report_bodies`: a finished peer's report compressed once (brotli 5 / gzip 6) and kept in the database,
 * so a cold cache, a restart or another process serves it without assembling and compressing 5 MB again
 * (src/store/stored-report-bodies.ts). Rows are replaced when the peer's version changes (late telemetry) and
 * deleted with the peer's telemetry (retention, erasure).
 */
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../store-dialect.ts';

/** Creates `peer_report_bodies`. */
export async function up(db: Kysely<any>, dialect: StoreDialect): Promise<void> {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  await sql
    .raw(
      `create table peer_report_bodies (
        peer_id text not null,
        variant text not null,
        coding text not null,
        stamp text not null,
        body ${bytes} not null,
        stored_at bigint not null,
        primary key (peer_id, variant, coding)
      )`,
    )
    .execute(db);
}

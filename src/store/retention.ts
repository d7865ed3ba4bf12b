/**
 * Storage maintenance: daily partitions of `quality_chunks` created ahead on
 * PostgreSQL, and telemetry retention (`PEER_REPORT_RETENTION_DAYS`).
 *
 * Retention is keyed on storage time (`received_at`, `updated_at`), not on the
 * samples' own timestamps, so an imported recording of an old call is kept as
 * long as fresh data. Expired peers keep their identity (sessions listings
 * stay whole) with `expired_at` set; their report answers 404 saying so.
 * On PostgreSQL whole daily partitions are dropped (no row-by-row deletes, no
 * bloat); on SQLite rows are deleted in bounded batches.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import { lockRows } from './row-locks.ts';

const DAY_MS = 86_400_000;

/** Name of the daily partition holding `dayStart` (UTC). */
export function partitionName(dayStart: number): string {
  return `quality_chunks_p${new Date(dayStart).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** Creates the daily partitions from today to `daysAhead` days ahead (PostgreSQL; no-op on SQLite). */
export async function ensurePartitions(
  db: Kysely<Database>,
  dialect: StoreDialect,
  now: number,
  daysAhead = 3,
): Promise<string[]> {
  if (dialect !== 'postgres') return [];
  const created: string[] = [];
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  for (let d = 0; d <= daysAhead; d++) {
    const from = today + d * DAY_MS;
    const name = partitionName(from);
    const exists = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relname = ${name} and n.nspname = current_schema()`.execute(db);
    if (exists.rows[0].n > 0) continue;
    try {
      await sql`CREATE TABLE ${sql.id(name)} PARTITION OF quality_chunks FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(from + DAY_MS)})`.execute(
        db,
      );
      created.push(name);
    } catch (err) {
      // Another server process created it first.
      if (!/already exists/.test(String((err as Error).message))) throw err;
    }
  }
  return created;
}

/** What a retention pass removed. */
export interface RetentionResult {
  droppedPartitions: string[];
  deletedChunks: number;
  expiredPeers: number;
}

/**
 * Removes telemetry stored before `now - retentionDays` (nothing when
 * `retentionDays` is 0) and marks the peers whose data is gone as expired.
 */
export async function applyRetention(
  db: Kysely<Database>,
  dialect: StoreDialect,
  now: number,
  retentionDays: number,
): Promise<RetentionResult> {
  const result: RetentionResult = { droppedPartitions: [], deletedChunks: 0, expiredPeers: 0 };
  if (!retentionDays || retentionDays <= 0) return result;
  const cutoff = now - retentionDays * DAY_MS;

  if (dialect === 'postgres') {
    const parts = await sql<{ name: string }>`select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
      where p.relname = 'quality_chunks' and n.nspname = current_schema()`.execute(db);
    for (const { name } of parts.rows) {
      const m = /^quality_chunks_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!m) continue;
      const end = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY_MS;
      if (end <= cutoff) {
        await sql`DROP TABLE IF EXISTS ${sql.id(name)}`.execute(db);
        result.droppedPartitions.push(name);
      }
    }
  }
  // Rows outside dropped partitions (SQLite; PostgreSQL's default partition).
  for (;;) {
    const ids = await db
      .selectFrom('quality_chunks')
      .select('id')
      .where('received_at', '<', cutoff)
      .limit(5000)
      .execute();
    if (ids.length === 0) break;
    await db
      .deleteFrom('quality_chunks')
      .where(
        'id',
        'in',
        ids.map((r) => r.id),
      )
      .execute();
    result.deletedChunks += ids.length;
  }

  const expired = await db
    .selectFrom('peers')
    .select('id')
    .where('expired_at', 'is', null)
    .where('status', '=', 'left')
    .where('updated_at', '<', cutoff)
    .limit(10_000)
    .execute();
  if (expired.length) {
    result.expiredPeers = await db.transaction().execute(async (tx) => {
      // The peer rows first, in id order, as compaction and the ingest lock a peer before its telemetry: taking
      // the telemetry first and the peers last deadlocked against them (and another process's sweep) on PostgreSQL.
      const locked = await lockRows(
        dialect,
        tx
          .selectFrom('peers')
          .select('id')
          .where(
            'id',
            'in',
            expired.map((p) => p.id),
          )
          .where('expired_at', 'is', null)
          .orderBy('id'),
      ).execute();
      const peerIds = locked.map((p) => p.id);
      if (peerIds.length === 0) return 0;
      for (const table of [
        'peer_events',
        'device_updates',
        'pc_metadata',
        'candidate_pairs',
        'stream_state',
        'quality_chunks',
        'peer_batches',
        'peer_report_bodies',
      ] as const) {
        await tx.deleteFrom(table).where('peer_id', 'in', peerIds).execute();
      }
      await tx.updateTable('peers').set({ expired_at: now }).where('id', 'in', peerIds).execute();
      return peerIds.length;
    });
  }
  return result;
}

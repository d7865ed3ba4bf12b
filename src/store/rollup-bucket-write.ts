/**
 * Adding peers' contributions to rollup bucket rows (`rollup_buckets`,
 * `rollup_cells`) in a few multi-row statements per table, whatever the
 * number of buckets: a finished peer touches 7 day buckets and 37 cells, and
 * one statement each would cost more CPU than its whole rollup is allowed
 * (issue 15: ≤ 5 % of the peer's ingest).
 *
 * Per slice of ≤ {@link SLICE} keys, in key order: (1) insert the missing
 * rows empty (`ON CONFLICT DO NOTHING`), (2) read them all (`FOR UPDATE` on
 * PostgreSQL: rows are locked in key order, so concurrent writers in several
 * processes neither lose counts nor deadlock; SQLite has one writer), (3)
 * write the merged rows back (`ON CONFLICT DO UPDATE` with the new values).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { PeerRollup } from '../rollup/peer-rollup.ts';
import { addPeer, emptyBucket, parseBucket } from '../rollup/bucket-data.ts';

/** A bucket row's change: its key columns, and peers coming in (weight 1) or going out (−1). */
export interface BucketChange {
  /** Key column values, in the table's key column order. */
  key: readonly string[];
  account_id: string;
  changes: { peer: PeerRollup; weight: number }[];
}

/** A bucket table: its name and key columns (its primary key). */
export interface BucketTable {
  name: 'rollup_buckets' | 'rollup_cells';
  keyColumns: readonly string[];
}

const SLICE = 400;

/** Applies `deltas` (any order, one per key) to `table`, in the caller's transaction. */
export async function applyBucketChanges(
  tx: Kysely<Database>,
  dialect: StoreDialect,
  table: BucketTable,
  deltas: readonly BucketChange[],
): Promise<void> {
  const sorted = [...deltas].sort((x, y) => compareKeys(x.key, y.key));
  for (let i = 0; i < sorted.length; i += SLICE)
    await applySlice(tx, dialect, table, sorted.slice(i, i + SLICE));
}

function compareKeys(x: readonly string[], y: readonly string[]): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

async function applySlice(
  tx: Kysely<Database>,
  dialect: StoreDialect,
  table: BucketTable,
  slice: readonly BucketChange[],
): Promise<void> {
  const t = sql.table(table.name);
  const keyCols = sql.join(table.keyColumns.map((c) => sql.ref(c)));
  const allCols = sql.join(
    ['account_id', ...table.keyColumns, 'peers', 'minutes', 'data'].map((c) => sql.ref(c)),
  );
  const rowOf = (
    d: BucketChange,
    peers: number,
    minutes: number,
    data: string,
  ): RawBuilder<unknown> => sql`(${sql.join([d.account_id, ...d.key, peers, minutes, data])})`;
  await sql`insert into ${t} (${allCols}) values ${sql.join(slice.map((d) => rowOf(d, 0, 0, '{}')))} on conflict (${keyCols}) do nothing`.execute(
    tx,
  );
  const keyList = sql.join(slice.map((d) => sql`(${sql.join(d.key)})`));
  const lock = dialect === 'postgres' ? sql` order by ${keyCols} for update` : sql``;
  const current = await sql<
    Record<string, unknown>
  >`select ${keyCols}, ${sql.ref('peers')}, ${sql.ref('minutes')}, ${sql.ref('data')} from ${t} where (${keyCols}) in (values ${keyList})${lock}`.execute(
    tx,
  );
  const byKey = new Map<string, Record<string, unknown>>();
  for (const r of current.rows)
    byKey.set(table.keyColumns.map((c) => String(r[c])).join('\u0000'), r);
  const rows = slice.map((d) => {
    const r = byKey.get(d.key.join('\u0000'));
    if (!r) throw new Error(`rollup bucket ${d.key.join('/')} vanished inside its transaction`);
    const data = r.data === '{}' ? emptyBucket() : parseBucket(String(r.data));
    let peers = Number(r.peers);
    let minutes = Number(r.minutes);
    for (const c of d.changes) {
      addPeer(data, c.peer, c.weight);
      peers += c.weight;
      minutes += c.weight * c.peer.minutes;
    }
    return rowOf(d, peers, Math.round(minutes * 1000) / 1000, JSON.stringify(data));
  });
  await sql`insert into ${t} (${allCols}) values ${sql.join(rows)} on conflict (${keyCols}) do update set ${sql.ref('peers')} = excluded.peers, ${sql.ref('minutes')} = excluded.minutes, ${sql.ref('data')} = excluded.data`.execute(
    tx,
  );
}

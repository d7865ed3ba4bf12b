/**
 * Adding peers' contributions to rollup bucket rows (`rollup_buckets`,
 * `rollup_cells`) in a few multi-row statements per table, whatever the
 * number of buckets: a finished peer touches 7 day buckets and 37 cells, and
 * one statement each would cost more CPU than its whole rollup is allowed
 * (issue 15: ≤ 5 % of the peer's ingest).
 *
 * Per slice of ≤ {@link SLICE} keys, in key order: (1) read them: on
 * PostgreSQL an upsert that inserts the missing rows empty and returns every
 * row locked (`ON CONFLICT DO UPDATE` of its peer count to itself, rows
 * taken in key order, so concurrent writers in several processes neither
 * lose counts nor deadlock); on SQLite a select (one writer, whose
 * transaction holds the lock); (2) write the merged rows back (`ON CONFLICT
 * DO UPDATE` with the new values).
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { PeerRollup } from '../rollup/peer-rollup.ts';
import {
  addPeer,
  emptyBucket,
  mergeBucket,
  parseBucket,
  type BucketData,
} from '../rollup/bucket-data.ts';

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

/** SQL text with `?` placeholders, numbered `$n` for PostgreSQL. */
function placeholders(dialect: StoreDialect, text: string): string {
  if (dialect === 'sqlite') return text;
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** `(?, ?, …)` × `rows`, each of `width` values. */
function tuples(rows: number, width: number): string {
  const one = `(${new Array<string>(width).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(one).join(', ');
}

/*
 * The statements are written as text and run precompiled: a peer's 44 rows
 * through Kysely's query builder cost more CPU to compile than to execute.
 * Table and column names are constants (BucketTable), values are parameters.
 */
async function applySlice(
  tx: Kysely<Database>,
  dialect: StoreDialect,
  table: BucketTable,
  slice: readonly BucketChange[],
): Promise<void> {
  await mergeSlice(tx, dialect, table, slice, (d, data) => {
    let peers = 0;
    let minutes = 0;
    for (const c of d.changes) {
      addPeer(data, c.peer, c.weight);
      peers += c.weight;
      minutes += c.weight * c.peer.minutes;
    }
    return { peers, minutes };
  });
}

/** A bucket row's pre-summed contribution (many peers merged in memory): its key and what to add to it. */
export interface BucketSum {
  key: readonly string[];
  account_id: string;
  peers: number;
  minutes: number;
  data: BucketData;
}

/**
 * Adds pre-summed contributions to `table` (any order, one per key), in the
 * caller's transaction: the same statements, locks and merge as
 * {@link applyBucketChanges}, for a bulk load that summed its peers with
 * {@link addPeer} first (a bucket is a sum, so the result is the same).
 */
export async function applyBucketSums(
  tx: Kysely<Database>,
  dialect: StoreDialect,
  table: BucketTable,
  sums: readonly BucketSum[],
): Promise<void> {
  const sorted = [...sums].sort((x, y) => compareKeys(x.key, y.key));
  for (let i = 0; i < sorted.length; i += SLICE)
    await mergeSlice(tx, dialect, table, sorted.slice(i, i + SLICE), (d, data) => {
      mergeBucket(data, d.data);
      return { peers: d.peers, minutes: d.minutes };
    });
}

/** Reads (locked on PostgreSQL) and rewrites the rows of `slice`, each merged by `merge` (which returns the peers and minutes it added). */
async function mergeSlice<T extends { key: readonly string[]; account_id: string }>(
  tx: Kysely<Database>,
  dialect: StoreDialect,
  table: BucketTable,
  slice: readonly T[],
  merge: (d: T, data: BucketData) => { peers: number; minutes: number },
): Promise<void> {
  const keys = table.keyColumns.join(', ');
  const cols = `account_id, ${keys}, peers, minutes, data`;
  const width = table.keyColumns.length + 4;
  const run = (text: string, params: unknown[]) =>
    tx.executeQuery<Record<string, unknown>>(
      CompiledQuery.raw(placeholders(dialect, text), params),
    );
  // PostgreSQL: one upsert that inserts the missing rows empty and, for the others, rewrites their peer count
  // unchanged, returning every row of the slice locked (in key order: rows are taken in VALUES order), at its
  // latest committed version: a concurrent writer's new or changed row is waited for, never overwritten.
  // SQLite has one writer (the transaction holds the lock): a plain read.
  const current =
    dialect === 'postgres'
      ? await run(
          `insert into ${table.name} (${cols}) values ${tuples(slice.length, width)} on conflict (${keys}) do update set peers = ${table.name}.peers returning ${keys}, peers, minutes, data`,
          slice.flatMap((d) => [d.account_id, ...d.key, 0, 0, '{}']),
        )
      : await run(
          `select ${keys}, peers, minutes, data from ${table.name} where (${keys}) in (values ${tuples(slice.length, table.keyColumns.length)})`,
          slice.flatMap((d) => d.key),
        );
  const byKey = new Map<string, Record<string, unknown>>();
  for (const r of current.rows)
    byKey.set(table.keyColumns.map((c) => String(r[c])).join('\u0000'), r);
  const params: unknown[] = [];
  for (const d of slice) {
    const r = byKey.get(d.key.join('\u0000'));
    if (!r && dialect === 'postgres')
      throw new Error(`rollup bucket ${d.key.join('/')} vanished inside its transaction`);
    const data = !r || r.data === '{}' ? emptyBucket() : parseBucket(String(r.data));
    const added = merge(d, data);
    const peers = (r ? Number(r.peers) : 0) + added.peers;
    const minutes = (r ? Number(r.minutes) : 0) + added.minutes;
    params.push(
      d.account_id,
      ...d.key,
      peers,
      Math.round(minutes * 1000) / 1000,
      JSON.stringify(data),
    );
  }
  await run(
    `insert into ${table.name} (${cols}) values ${tuples(slice.length, width)} on conflict (${keys}) do update set peers = excluded.peers, minutes = excluded.minutes, data = excluded.data`,
    params,
  );
}

/**
 * The bucket rows a set of peer changes touches, grouped per row: the day
 * buckets of `rollup_buckets` (migration 030) and the week and pair cells of
 * `rollup_cells` (migration 045, src/rollup/rollup-cells.ts), ready for
 * {@link applyBucketChanges}.
 */
import { bucketKeysOf, type PeerRollup } from '../rollup/peer-rollup.ts';
import { cellKeysOf } from '../rollup/rollup-cells.ts';
import type { BucketChange, BucketTable } from './rollup-bucket-write.ts';

/** A peer coming in (weight 1) or going out (−1). */
export type PeerChange = { peer: PeerRollup; weight: number };

/** `rollup_buckets`: per app, dimension, UTC day and value. */
export const BUCKETS_TABLE: BucketTable = {
  name: 'rollup_buckets',
  keyColumns: ['app_id', 'dim', 'day', 'value'],
};

/** `rollup_cells`: per app, grain, dimension pair, values and period. */
export const CELLS_TABLE: BucketTable = {
  name: 'rollup_cells',
  keyColumns: ['app_id', 'grain', 'a_dim', 'b_dim', 'a_value', 'period', 'b_value'],
};

function grouped(
  changes: readonly PeerChange[],
  keysOf: (p: PeerRollup) => string[][],
): BucketChange[] {
  const out = new Map<string, BucketChange>();
  for (const c of changes) {
    for (const key of keysOf(c.peer)) {
      const id = key.join('\u0000');
      let d = out.get(id);
      if (!d) out.set(id, (d = { key, account_id: c.peer.account_id, changes: [] }));
      d.changes.push(c);
    }
  }
  return [...out.values()];
}

/** The keys (in {@link BUCKETS_TABLE}'s column order) of the day buckets a peer counts in. */
export function bucketKeys(p: PeerRollup): string[][] {
  return bucketKeysOf(p).map(({ dim, value }) => [p.app_id, dim, p.day, value]);
}

/** The keys (in {@link CELLS_TABLE}'s column order) of the cells a peer counts in. */
export function cellKeys(p: PeerRollup): string[][] {
  return cellKeysOf(p).map((k) => [
    p.app_id,
    k.grain,
    k.a_dim,
    k.b_dim,
    k.a_value,
    k.period,
    k.b_value,
  ]);
}

/** The day-bucket rows of `changes`. */
export function bucketChangesOf(changes: readonly PeerChange[]): BucketChange[] {
  return grouped(changes, bucketKeys);
}

/** The cell rows of `changes`. */
export function cellChangesOf(changes: readonly PeerChange[]): BucketChange[] {
  return grouped(changes, cellKeys);
}

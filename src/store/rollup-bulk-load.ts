/**
 * Loading many finished peers' rollups at once (a backfill, the fleet-quality
 * benchmark's million peers): the per-peer rows are inserted as they come, in
 * multi-row statements, while their day buckets and cells are summed in
 * memory with the writers' own code ({@link bucketKeys},
 * {@link cellKeys}, {@link addPeer}) and each written once, when no
 * more peers can fall in it ({@link RollupBulkLoader.flush}).
 *
 * A bucket is the sum of its peers' rollups, so the tables end as they would
 * after storing every peer one by one ({@link storePeerRollup}): the test
 * rollup-bulk-load.test.ts compares both on each store. The writes go
 * through {@link applyBucketSums}, which merges into rows already there, so a
 * load may also add to a store that has rollups.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';
import type { PeerRollup } from '../rollup/peer-rollup.ts';
import { addPeer, emptyBucket } from '../rollup/bucket-data.ts';
import { applyBucketSums, type BucketSum, type BucketTable } from './rollup-bucket-write.ts';
import { BUCKETS_TABLE, bucketKeys, CELLS_TABLE, cellKeys } from './rollup-cells-write.ts';
import type { PeerRollupsTable } from './rollup-schema.ts';

/** `peer_rollups` columns, in insert order. */
const ROW_COLUMNS = [
  'peer_id',
  'account_id',
  'app_id',
  'session_id',
  'joined_at',
  'finished_at',
  'day',
  'hour',
  'browser',
  'os',
  'country',
  'asn',
  'network',
  'minutes',
  'audio_mos',
  'video_mos',
  'loss_p50',
  'loss_p90',
  'rtt_p50',
  'rtt_p90',
  'jitter_p50',
  'jitter_p90',
  'verdict',
  'issue_mask',
  'severity',
  'chunks_upto',
  'computed_at',
] as const satisfies readonly (keyof PeerRollupsTable)[];

/** Rows per insert statement (PostgreSQL allows 65,535 parameters a statement). */
const ROWS_PER_INSERT = 1000;

const DAY_MS = 86_400_000;

/** The last UTC day a bucket key covers: its day, or the Sunday of its week. */
function lastDayOf(table: BucketTable, key: readonly string[]): string {
  if (table === BUCKETS_TABLE) return key[2];
  const period = key[5];
  if (key[1] === 'd') return period;
  return new Date(Date.parse(`${period}T00:00:00.000Z`) + 6 * DAY_MS).toISOString().slice(0, 10);
}

/** Summed bucket rows of one table, not yet written. */
class PendingSums {
  readonly sums = new Map<string, BucketSum & { lastDay: string }>();
  constructor(readonly table: BucketTable) {}

  /** Adds each peer to the rows `keysOf` gives it (key column values, as the writers key them). */
  add(rollups: readonly PeerRollup[], keysOf: (p: PeerRollup) => string[][]): void {
    for (const peer of rollups) {
      for (const key of keysOf(peer)) {
        const id = key.join('\u0000');
        let s = this.sums.get(id);
        if (!s) {
          s = {
            key,
            account_id: peer.account_id,
            peers: 0,
            minutes: 0,
            data: emptyBucket(),
            lastDay: lastDayOf(this.table, key),
          };
          this.sums.set(id, s);
        }
        addPeer(s.data, peer, 1);
        s.peers += 1;
        s.minutes += peer.minutes;
      }
    }
  }

  /** Takes out the sums whose last day is before `beforeDay` (all when undefined). */
  take(beforeDay: string | undefined): BucketSum[] {
    const out: BucketSum[] = [];
    for (const [id, s] of this.sums) {
      if (beforeDay !== undefined && s.lastDay >= beforeDay) continue;
      out.push(s);
      this.sums.delete(id);
    }
    return out;
  }
}

/**
 * A bulk load of new peers' rollups (peers that have none yet): `add` them in
 * any order, `flush` from time to time with the first day a later peer may
 * still finish on, and once at the end without it. Each call runs in the
 * caller's transaction.
 */
export class RollupBulkLoader {
  private readonly buckets = new PendingSums(BUCKETS_TABLE);
  private readonly cells = new PendingSums(CELLS_TABLE);

  constructor(
    private readonly dialect: StoreDialect,
    private readonly now: number,
  ) {}

  /** Inserts the peers' rows and adds them to the pending sums. */
  async add(tx: Transaction<Database>, rollups: readonly PeerRollup[]): Promise<void> {
    for (let i = 0; i < rollups.length; i += ROWS_PER_INSERT)
      await this.insertRows(tx, rollups.slice(i, i + ROWS_PER_INSERT));
    this.buckets.add(rollups, bucketKeys);
    this.cells.add(rollups, cellKeys);
  }

  /**
   * Writes the pending sums of buckets and cells that end before `beforeDay`
   * (`YYYY-MM-DD`; every pending one when undefined): no peer added later
   * may finish before that day.
   */
  async flush(tx: Transaction<Database>, beforeDay?: string): Promise<void> {
    await applyBucketSums(tx, this.dialect, BUCKETS_TABLE, this.buckets.take(beforeDay));
    await applyBucketSums(tx, this.dialect, CELLS_TABLE, this.cells.take(beforeDay));
  }

  /** Bucket and cell rows summed and not yet written. */
  get pending(): number {
    return this.buckets.sums.size + this.cells.sums.size;
  }

  /* Precompiled text, as in rollup-bucket-write.ts: Kysely's compile of a 1,000-row insert costs more than running it. */
  private async insertRows(tx: Transaction<Database>, rows: readonly PeerRollup[]): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    for (const r of rows) {
      // Computed (for the stale-rollup sweep) when its peer finished, as compaction would have done then: a bulk
      // load is of peers that finished earlier, and `now` on a million rows put them all inside the sweep's
      // 30-minute window (staleRollupPeers), whose join then read every one of them each sweep.
      const row: PeerRollupsTable = {
        ...r,
        chunks_upto: 0,
        computed_at: Math.min(this.now, r.finished_at),
      };
      for (const c of ROW_COLUMNS) params.push(row[c]);
    }
    const width = ROW_COLUMNS.length;
    let n = 0;
    const tuple = () =>
      `(${Array.from({ length: width }, () => (this.dialect === 'postgres' ? `$${++n}` : '?')).join(', ')})`;
    const values = Array.from({ length: rows.length }, tuple).join(', ');
    await tx.executeQuery(
      CompiledQuery.raw(
        `insert into peer_rollups (${ROW_COLUMNS.join(', ')}) values ${values}`,
        params,
      ),
    );
  }
}

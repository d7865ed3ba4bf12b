/** Table types of the fleet quality rollups (migration 030, src/store/quality-rollups.ts). */
import type { PeerRollup } from '../rollup/peer-rollup.ts';

/** One finished peer's rollup summary, plus the highest chunk id it covers and when it was computed. */
export interface PeerRollupsTable extends PeerRollup {
  chunks_upto: number;
  computed_at: number;
}

/** One (app, UTC day, dimension, value) bucket; `data` is a serialised {@link import('../rollup/bucket-data.ts').BucketData}. */
export interface RollupBucketsTable {
  account_id: string;
  app_id: string;
  day: string;
  /** `all` (value '') or a rollup dimension. */
  dim: string;
  value: string;
  peers: number;
  minutes: number;
  data: string;
}

/** One week or pair cell (migration 045, src/rollup/rollup-cells.ts); `data` as in {@link RollupBucketsTable}. */
export interface RollupCellsTable {
  account_id: string;
  app_id: string;
  /** `d` (a UTC day) or `w` (the ISO week starting on `period`). */
  grain: string;
  /** '' for a single-dimension cell. */
  a_dim: string;
  b_dim: string;
  a_value: string;
  period: string;
  b_value: string;
  peers: number;
  minutes: number;
  data: string;
}

/**
 * Shapes of stored telemetry rows that the batch write path reads back: the storage side owns them, and ingest
 * (which derives the rows) imports them from here, so storage depends on nothing above it.
 */

/** A stream's last stored sample. */
export type KnownState = { stream_key: string; last_ts: number; last_sample: string };

/** The stored peer fields a batch write looks at. */
export interface PeerForBatch {
  status: string;
  left_at: number | string | null;
  leave_reason: string | null;
  account_id: string;
  joined_at: number | string;
  session_id: string;
}

/** A stored chunk's bounds and end samples (no rows). */
export interface ChunkEdge {
  id: number;
  first_ts: number;
  last_ts: number;
  first_sample: string | null;
  last_sample: string | null;
}

/** The stored head of the chunk after a gap: its rows and metric columns. */
export interface ChunkHead {
  rows_json: Buffer;
  metrics: Buffer;
}

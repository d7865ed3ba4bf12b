/**
 * Shapes of stored telemetry rows that the batch write path reads back: the storage side owns them, and ingest
 * (which derives the rows) imports them from here, so storage depends on nothing above it.
 */
import type { Insertable } from 'kysely';
import type { StreamSample } from '../model/telemetry.ts';
import type { QualityChunksTable, StreamStateTable } from './schema.ts';

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

/** What a batch's samples turn into (ingest/derive-stream-chunks.ts): chunk rows, new stream states, counts. */
export interface DerivedChunks {
  keys: string[];
  /** The stored states of this batch's streams the derivation started from (stream key → last_ts). */
  known: Map<string, number>;
  chunks: Insertable<QualityChunksTable>[];
  states: StreamStateTable[];
  stored: number;
  /** Samples not newer than their stream's last stored sample (the `late` ones). */
  skipped: number;
  /** Those samples: the write tries to place them between stored chunks (ingest/late-samples.ts). */
  late: StreamSample[];
}

/** The changes a batch's stored samples make to the peer's span, and to its session. */
export interface PeerSpanChange {
  peer: { joined_at?: number; left_at?: number };
  /** The session starts no later than this. */
  sessionStartsBy?: number;
  /** Minutes to add to the session's `minutes_consumed` (a peer already closed got longer). */
  addMinutes: number;
}

/** Late samples of one stream that fall into one gap between stored chunks. */
export interface GapGroup {
  /** The stored chunk before the gap (absent: the samples precede the stream's first chunk). */
  prev?: ChunkEdge;
  /** The stored chunk after the gap, whose first row is derived again. */
  next: ChunkEdge;
  samples: StreamSample[];
}

/** A gap's new chunk and the rewritten head of the chunk after it. */
export interface GapFill {
  chunk: Insertable<QualityChunksTable>;
  next: { id: number; rows_json: Buffer; metrics: Buffer };
}

/** A quality chunk row as written (its id is assigned by the database). */
export type NewChunkRow = Insertable<QualityChunksTable>;

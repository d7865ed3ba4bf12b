/**
 * The columns a batch write stores for a derived chunk and a stream state, in the order both backends' multi-row
 * statements bind them (sqlite/sqlite-batch-statements.ts, postgres/postgres-group-write.ts).
 */
import type { Insertable } from 'kysely';
import type { QualityChunksTable, StreamStateTable } from './schema.ts';

/** Every column of a derived chunk row. */
export const CHUNK_COLUMNS = [
  'account_id',
  'received_at',
  'peer_id',
  'series',
  'stream_key',
  'first_ts',
  'last_ts',
  'n',
  'rows_json',
  'metrics',
  'first_sample',
  'last_sample',
] as const satisfies readonly (keyof Insertable<QualityChunksTable>)[];

/** Every column of a stream state row. */
export const STATE_COLUMNS = [
  'account_id',
  'peer_id',
  'stream_key',
  'series',
  'last_ts',
  'last_sample',
] as const satisfies readonly (keyof StreamStateTable)[];

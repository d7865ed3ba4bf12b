/**
 * Reads one peer's stored quality chunks in report order (series, stream,
 * time), for the report and for compaction. On PostgreSQL a `bytea` travels
 * as hex text, twice its size and slow to decode (measured alone: 27 ms for a
 * 60-minute peer's 5 MB of rows, against 9 ms as text), so the rows, which
 * are UTF-8 JSON, are read as text there.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, QualityChunksTable } from './schema.ts';
import type { StoreDialect } from './store-dialect.ts';

/** One stored chunk. */
export type StoredChunk = Pick<
  QualityChunksTable,
  | 'account_id'
  | 'series'
  | 'stream_key'
  | 'first_ts'
  | 'last_ts'
  | 'n'
  | 'rows_json'
  | 'metrics'
  | 'received_at'
> & { id: number };

const COLUMNS = [
  'id',
  'account_id',
  'series',
  'stream_key',
  'first_ts',
  'last_ts',
  'n',
  'received_at',
] as const;

/** What to read besides the rows. */
export interface ChunkReadOptions {
  /** Only chunks with an id above this one. */
  afterId?: number;
  /** Only these chunks. */
  ids?: readonly number[];
  /** Leave the packed metric columns out (`metrics` comes back empty): the caller has the aggregates. */
  withoutMetrics?: boolean;
  /** Leave the stored rows out (`rows_json` comes back empty): the caller wants the metrics only. */
  withoutRows?: boolean;
  /** Only chunks of these series. */
  series?: readonly string[];
}

const EMPTY = Buffer.alloc(0);

/** The chunks of `peerId`, ordered for the report. */
export async function readQualityChunks(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
  options: ChunkReadOptions = {},
): Promise<StoredChunk[]> {
  let q = db.selectFrom('quality_chunks').where('peer_id', '=', peerId);
  if (options.afterId !== undefined) q = q.where('id', '>', options.afterId);
  if (options.ids) q = q.where('id', 'in', [...options.ids]);
  if (options.series) q = q.where('series', 'in', [...options.series]);
  const columns = options.withoutMetrics ? COLUMNS : ([...COLUMNS, 'metrics'] as const);
  let rows: StoredChunk[];
  if (options.withoutRows) {
    rows = (await q.select(columns).execute()) as StoredChunk[];
    for (const r of rows) r.rows_json = EMPTY;
    rows.sort(reportOrder);
  } else if (dialect === 'sqlite') {
    // The (peer_id, series, stream_key, first_ts) index gives this order for free.
    rows = (await q
      .select([...columns, 'rows_json'])
      .orderBy('series')
      .orderBy('stream_key')
      .orderBy('first_ts')
      .orderBy('id')
      .execute()) as StoredChunk[];
  } else {
    // PostgreSQL reads the partitions with bitmap scans, so an ORDER BY sorts the rows with their
    // megabytes of text (spilling to disk past work_mem, measured ~20 ms for a 60-minute peer):
    // the few rows are put in order here instead, in the same (binary) order as on SQLite.
    const text = await q
      .select([...columns, sql<string>`convert_from(rows_json, 'UTF8')`.as('rows_text')])
      .execute();
    rows = text.map(({ rows_text, ...r }) => ({
      ...r,
      rows_json: Buffer.from(rows_text, 'utf8'),
    })) as StoredChunk[];
    rows.sort(reportOrder);
  }
  if (options.withoutMetrics) for (const r of rows) r.metrics = EMPTY;
  return rows;
}

/** A chunk's identity without its contents (see live-chunk-cache.ts). */
export type ListedChunk = Pick<
  StoredChunk,
  'id' | 'series' | 'stream_key' | 'n' | 'first_ts' | 'last_ts'
>;

/**
 * The chunks of `peerId` without their contents, in report order. Only columns stored before the contents:
 * a column after them (`received_at`) makes SQLite walk each row's overflow pages.
 */
export async function readChunkList(
  db: Kysely<Database>,
  dialect: StoreDialect,
  peerId: string,
): Promise<ListedChunk[]> {
  const q = db
    .selectFrom('quality_chunks')
    .select(['id', 'series', 'stream_key', 'first_ts', 'last_ts', 'n'])
    .where('peer_id', '=', peerId);
  if (dialect === 'sqlite')
    return q.orderBy('series').orderBy('stream_key').orderBy('first_ts').orderBy('id').execute();
  return (await q.execute()).sort(reportOrder);
}

/** How many chunks `peerId` has, and the newest one's id (0 when none). */
export async function readChunkCount(
  db: Kysely<Database>,
  peerId: string,
): Promise<{ count: number; newest: number }> {
  const row = await db
    .selectFrom('quality_chunks')
    .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.max('id').as('newest')])
    .where('peer_id', '=', peerId)
    .executeTakeFirst();
  return { count: Number(row?.count ?? 0), newest: Number(row?.newest ?? 0) };
}

/** What compaction plans its merges from: a chunk without its contents. */
export interface ChunkSummary {
  id: number;
  series: string;
  stream_key: string;
  first_ts: number;
  /** Bytes of stored rows. */
  bytes: number;
  /** When it was stored (epoch ms). */
  received_at?: number;
}

/** Summaries of the chunks of `peerId` (above `afterId` when given), in report order. */
export async function readChunkSummaries(
  db: Kysely<Database>,
  peerId: string,
  afterId?: number,
): Promise<ChunkSummary[]> {
  let q = db
    .selectFrom('quality_chunks')
    .select([
      'id',
      'series',
      'stream_key',
      'first_ts',
      'received_at',
      sql<number>`length(rows_json)`.as('bytes'),
    ])
    .where('peer_id', '=', peerId);
  if (afterId !== undefined) q = q.where('id', '>', afterId);
  const rows = await q.execute();
  return rows
    .map((r) => ({
      id: Number(r.id),
      series: r.series,
      stream_key: r.stream_key,
      first_ts: Number(r.first_ts),
      bytes: Number(r.bytes),
      received_at: Number(r.received_at),
    }))
    .sort(reportOrder);
}

/** Report order: series, stream, first sample time, id (strings by code unit, as SQLite's BINARY collation). */
function reportOrder(
  a: Pick<StoredChunk, 'series' | 'stream_key' | 'first_ts' | 'id'>,
  b: Pick<StoredChunk, 'series' | 'stream_key' | 'first_ts' | 'id'>,
): number {
  if (a.series !== b.series) return a.series < b.series ? -1 : 1;
  if (a.stream_key !== b.stream_key) return a.stream_key < b.stream_key ? -1 : 1;
  return Number(a.first_ts) - Number(b.first_ts) || Number(a.id) - Number(b.id);
}

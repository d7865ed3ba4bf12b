/**
 * The embedded store's telemetry-batch writes as prepared better-sqlite3
 * statements, run synchronously: the ingest's hottest path. Through Kysely
 * each of a batch's ~10 statements cost ~20 µs of query building, compiling
 * and promise hops on the event loop, about as much as SQLite's own work; here
 * a statement is prepared once and a whole group of batches is written in one
 * synchronous transaction.
 *
 * The SQL mirrors the Kysely queries of the PostgreSQL path (batch-writer.ts);
 * both take their rows from ingest/batch-rows.ts.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { ChunkEdge, ChunkHead, KnownState, PeerForBatch } from '../stored-stream-types.ts';
import type { Insertable } from 'kysely';
import type { QualityChunksTable, StreamStateTable } from '../schema.ts';
import { CHUNK_COLUMNS, STATE_COLUMNS } from '../telemetry-columns.ts';

type Row = Record<string, unknown>;

/** Rows bound in one multi-row statement (12 columns each: far below SQLite's 32,766 parameters). */
const MAX_ROWS_PER_STATEMENT = 64;

const CHUNK_INSERT = {
  head: `INSERT INTO quality_chunks (${CHUNK_COLUMNS.join(', ')})`,
  tail: '',
};

const STATE_UPSERT = {
  head: `INSERT INTO stream_state (${STATE_COLUMNS.join(', ')})`,
  tail: ' ON CONFLICT (peer_id, stream_key) DO UPDATE SET last_ts = excluded.last_ts, last_sample = excluded.last_sample',
};

/** Prepared statements of a batch write on one SQLite connection. */
export class SqliteBatchStatements {
  readonly #db: BetterSqlite3.Database;
  readonly #peerUpdates = new Map<string, BetterSqlite3.Statement>();
  readonly #peer: BetterSqlite3.Statement;
  readonly #insertBatchId: BetterSqlite3.Statement;
  readonly #deleteBatchId: BetterSqlite3.Statement;
  readonly #insertEvent: BetterSqlite3.Statement;
  readonly #insertDevice: BetterSqlite3.Statement;
  readonly #insertPcMetadata: BetterSqlite3.Statement;
  readonly #upsertPair: BetterSqlite3.Statement;
  readonly #stateTimes: BetterSqlite3.Statement;
  readonly #states: BetterSqlite3.Statement;
  readonly #insertChunk: BetterSqlite3.Statement;
  readonly #upsertState: BetterSqlite3.Statement;
  readonly #widenSession: BetterSqlite3.Statement;
  readonly #chunkEdges: BetterSqlite3.Statement;
  readonly #chunkHead: BetterSqlite3.Statement;
  readonly #rewriteChunk: BetterSqlite3.Statement;
  readonly #insertChunks = new Map<number, BetterSqlite3.Statement>();
  readonly #upsertStates = new Map<number, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    this.#peer = db.prepare(
      'SELECT status, left_at, leave_reason, account_id, joined_at, session_id FROM peers WHERE id = ? AND participant_id = ?',
    );
    this.#insertBatchId = db.prepare(
      'INSERT INTO peer_batches (peer_id, account_id, batch_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (peer_id, batch_id) DO NOTHING',
    );
    this.#deleteBatchId = db.prepare('DELETE FROM peer_batches WHERE peer_id = ? AND batch_id = ?');
    this.#insertEvent = db.prepare(
      'INSERT INTO peer_events (peer_id, account_id, ts, name, pc, metadata) VALUES (@peer_id, @account_id, @ts, @name, @pc, @metadata)',
    );
    this.#insertDevice = db.prepare(
      'INSERT INTO device_updates (peer_id, account_id, ts, kind, payload) VALUES (@peer_id, @account_id, @ts, @kind, @payload)',
    );
    this.#insertPcMetadata = db.prepare(
      'INSERT INTO pc_metadata (peer_id, account_id, pc, ts, payload) VALUES (@peer_id, @account_id, @pc, @ts, @payload)',
    );
    this.#upsertPair = db.prepare(
      'INSERT INTO candidate_pairs (peer_id, account_id, pc, pair_id, ts, selected, roles, payload) VALUES (@peer_id, @account_id, @pc, @pair_id, @ts, @selected, @roles, @payload) ' +
        'ON CONFLICT (peer_id, pc, pair_id) DO UPDATE SET ts = excluded.ts, selected = excluded.selected, payload = excluded.payload WHERE candidate_pairs.ts <= excluded.ts',
    );
    this.#stateTimes = db.prepare('SELECT stream_key, last_ts FROM stream_state WHERE peer_id = ?');
    this.#states = db.prepare(
      'SELECT stream_key, last_ts, last_sample FROM stream_state WHERE peer_id = ?',
    );
    this.#insertChunk = db.prepare(
      'INSERT INTO quality_chunks (account_id, received_at, peer_id, series, stream_key, first_ts, last_ts, n, rows_json, metrics, first_sample, last_sample) ' +
        'VALUES (@account_id, @received_at, @peer_id, @series, @stream_key, @first_ts, @last_ts, @n, @rows_json, @metrics, @first_sample, @last_sample)',
    );
    this.#chunkEdges = db.prepare(
      'SELECT id, first_ts, last_ts, first_sample, last_sample FROM quality_chunks WHERE peer_id = ? AND stream_key = ? ORDER BY first_ts, id',
    );
    this.#chunkHead = db.prepare(
      'SELECT rows_json, metrics FROM quality_chunks WHERE peer_id = ? AND id = ?',
    );
    this.#rewriteChunk = db.prepare(
      'UPDATE quality_chunks SET rows_json = ?, metrics = ? WHERE peer_id = ? AND id = ?',
    );
    this.#upsertState = db.prepare(
      'INSERT INTO stream_state (account_id, peer_id, stream_key, series, last_ts, last_sample) VALUES (@account_id, @peer_id, @stream_key, @series, @last_ts, @last_sample) ' +
        'ON CONFLICT (peer_id, stream_key) DO UPDATE SET last_ts = excluded.last_ts, last_sample = excluded.last_sample',
    );
    this.#widenSession = db.prepare(
      'UPDATE sessions SET started_at = CASE WHEN @starts_by IS NOT NULL AND started_at > @starts_by THEN @starts_by ELSE started_at END, minutes_consumed = minutes_consumed + @minutes WHERE id = @id',
    );
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE: the write lock up front, as every writer here takes it). */
  inTransaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** The peer, when it belongs to the participant. */
  peer(peerId: string, participantId: string): PeerForBatch | undefined {
    return this.#peer.get(peerId, participantId) as PeerForBatch | undefined;
  }

  /** Records a batch id; false when the peer already has it (a retry). */
  insertBatchId(peerId: string, accountId: string, batchId: string, receivedAt: number): boolean {
    return this.#insertBatchId.run(peerId, accountId, batchId, receivedAt).changes > 0;
  }

  deleteBatchId(peerId: string, batchId: string): void {
    this.#deleteBatchId.run(peerId, batchId);
  }

  /** Sets `fields` on the peer (the statement for each set of columns is prepared once). */
  updatePeer(peerId: string, fields: Record<string, string | number>): void {
    const columns = Object.keys(fields);
    const sql = `UPDATE peers SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`;
    let stmt = this.#peerUpdates.get(sql);
    if (!stmt) this.#peerUpdates.set(sql, (stmt = this.#db.prepare(sql)));
    stmt.run({ ...fields, id: peerId });
  }

  /** Moves the session's start back to `startsBy` (when earlier) and adds `minutes` to its minutes consumed. */
  widenSession(sessionId: string, startsBy: number | undefined, minutes: number): void {
    this.#widenSession.run({ id: sessionId, starts_by: startsBy ?? null, minutes });
  }

  insertEvents(rows: readonly Row[]): void {
    for (const r of rows) this.#insertEvent.run(r);
  }

  insertDeviceUpdates(rows: readonly Row[]): void {
    for (const r of rows) this.#insertDevice.run(r);
  }

  insertPcMetadata(rows: readonly Row[]): void {
    for (const r of rows) this.#insertPcMetadata.run(r);
  }

  /** Upserts candidate pairs; a stored pair is replaced only by a sample not older than it. */
  upsertCandidatePairs(rows: readonly Row[]): void {
    for (const r of rows) this.#upsertPair.run(r);
  }

  /** The peer's stream keys with their last stored sample time (no sample bodies). */
  streamStateTimes(peerId: string): { stream_key: string; last_ts: number }[] {
    return this.#stateTimes.all(peerId) as { stream_key: string; last_ts: number }[];
  }

  /** The peer's stream states in full. */
  streamStates(peerId: string): KnownState[] {
    return this.#states.all(peerId) as KnownState[];
  }

  insertChunks(chunks: readonly Insertable<QualityChunksTable>[]): void {
    if (chunks.length === 1) return void this.#insertChunk.run(chunks[0]);
    // A batch's chunks (one per stream) in one statement: ids in the same order as one at a time.
    for (let i = 0; i < chunks.length; i += MAX_ROWS_PER_STATEMENT) {
      const part = chunks.slice(i, i + MAX_ROWS_PER_STATEMENT);
      this.#multiRow(this.#insertChunks, CHUNK_INSERT, CHUNK_COLUMNS, part.length).run(
        part.flatMap((c) => CHUNK_COLUMNS.map((k) => c[k] ?? null)),
      );
    }
  }

  /** One stream's stored chunks, bounds and end samples only, in time order. */
  chunkEdges(peerId: string, streamKey: string): ChunkEdge[] {
    return this.#chunkEdges.all(peerId, streamKey) as ChunkEdge[];
  }

  /** A chunk's stored rows and metric columns. */
  chunkHead(peerId: string, id: number): ChunkHead {
    return this.#chunkHead.get(peerId, id) as ChunkHead;
  }

  /** Replaces a chunk's rows and metric columns (its first row derived again after a late batch). */
  rewriteChunk(peerId: string, id: number, rowsJson: Buffer, metrics: Buffer): void {
    this.#rewriteChunk.run(rowsJson, metrics, peerId, id);
  }

  upsertStreamStates(states: readonly StreamStateTable[]): void {
    if (states.length === 1) return void this.#upsertState.run(states[0]);
    // Rows of one statement are upserted in order, as one at a time (a batch has one state per stream).
    for (let i = 0; i < states.length; i += MAX_ROWS_PER_STATEMENT) {
      const part = states.slice(i, i + MAX_ROWS_PER_STATEMENT);
      this.#multiRow(this.#upsertStates, STATE_UPSERT, STATE_COLUMNS, part.length).run(
        part.flatMap((r) => STATE_COLUMNS.map((k) => r[k] ?? null)),
      );
    }
  }

  /** The statement `sql` with `n` rows of `columns` placeholders (prepared once per n). */
  #multiRow(
    cache: Map<number, BetterSqlite3.Statement>,
    sql: { head: string; tail: string },
    columns: readonly string[],
    n: number,
  ): BetterSqlite3.Statement {
    let stmt = cache.get(n);
    if (!stmt) {
      const row = `(${columns.map(() => '?').join(', ')})`;
      stmt = this.#db.prepare(`${sql.head} VALUES ${Array(n).fill(row).join(', ')}${sql.tail}`);
      cache.set(n, stmt);
    }
    return stmt;
  }
}

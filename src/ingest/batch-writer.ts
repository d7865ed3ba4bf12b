/**
 * Durable, idempotent, group-committed telemetry writes.
 *
 * Requests queue their batches here; the writer drains the queue in one
 * transaction per flush (group commit), so the fsync of a durable commit is
 * shared by every batch that arrived meanwhile, and answers each request only
 * after the commit. A batch whose `batch_id` is already stored for the peer is
 * acknowledged as a duplicate and changes nothing; a sample not newer than the
 * stream's last stored sample is skipped, so retries never count twice.
 *
 * Per-interval quality rows are derived here, at ingest, from the previous
 * stored sample of the same stream (`stream_state`), and stored
 * pre-serialised in `quality_chunks`: the report then only splices strings.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { upsertCandidatePairs } from '../store/candidate-pair-upsert.ts';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database, StreamStateTable } from '../store/schema.ts';
import type { StoreDialect } from '../store/store-dialect.ts';
import type { StreamSample, TelemetryBatch } from '../model/telemetry.ts';
import { SqliteBatchStatements } from '../store/sqlite-batch-statements.ts';
import { writeGroupPostgres } from './postgres-group-write.ts';
import { deriveStreamChunks, type DerivedChunks, type KnownState } from './derive-stream-chunks.ts';
import { parseBatch } from './batch-preparation.ts';
import { PreparePool } from './prepare-pool.ts';
import { StreamStateCache } from './stream-state-cache.ts';
import { redactBatchAddresses } from './redact-addresses.ts';
import { fillGap, groupLateSamples } from './late-samples.ts';
import { streamKey } from '../model/telemetry.ts';
import {
  batchAcceptance,
  peerSpanChange,
  candidatePairRows,
  deviceRows,
  eventRows,
  pcMetadataRows,
  peerUpdateOf,
  sameStates,
  streamKeysOf,
} from './batch-rows.ts';
import type { IngestObserver } from './ingest-observer.ts';

/** Outcome of one batch. */
export type BatchOutcome =
  | { status: 'stored'; samples: number; skipped: number }
  | { status: 'duplicate' }
  | { status: 'peer_closed' }
  | { status: 'unknown_peer' };

/** Outcome of a batch submitted as request text: also "invalid", naming the field. */
export type SubmitOutcome =
  (BatchOutcome & { batchId: string }) | { status: 'invalid'; field: string; message: string };

interface Job {
  peerId: string;
  participantId: string;
  /** The batch; its samples may have been derived already (`pre`) and dropped. */
  batch: TelemetryBatch;
  /** The request text, when the batch came as one (re-parsed if `pre` went stale). */
  text?: string;
  receivedAt: number;
  /** performance.now() at submission, for the latency metric. */
  submittedAt: number;
  resolve(outcome: BatchOutcome): void;
  reject(err: unknown): void;
  /** Chunks derived before the transaction, outside the write lock. */
  pre?: DerivedChunks;
  /** The stream states the write stored (set by the write, for the state cache). */
  written?: StreamStateTable[];
}

/** Options of a {@link BatchWriter}. */
export interface BatchWriterOptions {
  /**
   * Group transactions in flight at once on PostgreSQL (default 4). SQLite has
   * one writer, so one there; on PostgreSQL a group spends most of its time
   * waiting on round trips, and several in flight (each on its own pooled
   * connection, peers locked in one global order) keep the process busy.
   */
  pgWriteConcurrency?: number;
  /** Where batches are parsed, validated and derived (default: inline). */
  pool?: PreparePool;
  /**
   * The embedded store's connection (the one under `db`): batches are then
   * written through prepared statements, synchronously, instead of Kysely.
   */
  sqlite?: BetterSqlite3.Database;
  /** Store client addresses whole (`--keep-full-ip`); by default they are truncated (ingest/redact-addresses.ts). */
  keepFullIp?: boolean;
  /** Told of each group transaction and batch outcome (the operator metrics). */
  observer?: IngestObserver;
}

/** How long a flush under load waits for more batches to join its group (ms). */
const GROUP_WINDOW_MS = 4;

/** Largest number of batches committed together. */
const MAX_GROUP = 256;

/** Queues batches and commits them in groups. */
export class BatchWriter {
  #queue: Job[] = [];
  #inFlight = 0;
  #scheduled = false;
  #closed = false;
  #lastFlush = 0;

  readonly #concurrentGroups: number;
  readonly #pool: PreparePool;
  readonly #sqlite?: SqliteBatchStatements;
  readonly #states = new StreamStateCache();
  readonly #keepFullIp: boolean;
  readonly #observer?: IngestObserver;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    options: BatchWriterOptions = {},
  ) {
    this.#concurrentGroups = dialect === 'postgres' ? (options.pgWriteConcurrency ?? 4) : 1;
    this.#pool = options.pool ?? new PreparePool(0);
    if (options.sqlite) this.#sqlite = new SqliteBatchStatements(options.sqlite);
    this.#keepFullIp = options.keepFullIp ?? false;
    this.#observer = options.observer;
  }

  /**
   * Stores the batch in `text` (a request body) for `peerId`; resolves after
   * the commit, or with `invalid` when the text is not a valid batch. The
   * parsing, validation and derivation run in the prepare pool, from the
   * peer's stream states as this process last saw them (the state cache, read
   * from the database on a miss); the write checks them again under the lock
   * and derives anew if another batch of the peer moved on meanwhile.
   */
  async submit(peerId: string, participantId: string, text: string): Promise<SubmitOutcome> {
    if (this.#closed) throw new Error('batch writer is closed');
    const receivedAt = Date.now();
    const submittedAt = performance.now();
    // PostgreSQL may be shared by several processes (behind a round-robin balancer each sees every
    // other batch of a peer), so a cached state is stale there as often as not and the batch would be
    // derived twice: the states are read fresh, one small query outside the transaction.
    let known = this.dialect === 'postgres' ? undefined : this.#states.get(peerId);
    if (!known) {
      known = await loadStreamStates(this.db, peerId);
      if (this.dialect !== 'postgres') this.#states.set(peerId, known);
    }
    const prepared = await this.#pool.prepare(text, peerId, known);
    if (!prepared.ok) {
      this.#observer?.batchDone('invalid', (performance.now() - submittedAt) / 1000, 0, 0);
      return { status: 'invalid', field: prepared.field, message: prepared.message };
    }
    const outcome = await this.#enqueue({
      peerId,
      participantId,
      batch: prepared.batch,
      text,
      pre: prepared.derived,
      receivedAt,
      submittedAt,
    });
    return { ...outcome, batchId: prepared.batch.batch_id };
  }

  /** Stores `batch` for `peerId`; resolves after the commit. */
  write(peerId: string, participantId: string, batch: TelemetryBatch): Promise<BatchOutcome> {
    if (this.#closed) return Promise.reject(new Error('batch writer is closed'));
    return this.#enqueue({
      peerId,
      participantId,
      batch,
      receivedAt: Date.now(),
      submittedAt: performance.now(),
    });
  }

  #enqueue(job: Omit<Job, 'resolve' | 'reject'>): Promise<BatchOutcome> {
    // The one place every batch (live or imported) passes before storage.
    if (!this.#keepFullIp) job.batch = redactBatchAddresses(job.batch);
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...job, resolve, reject });
      this.#schedule();
    });
  }

  /** Waits for queued batches, then refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length > 0 || this.#inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  #schedule(): void {
    if (this.#inFlight >= this.#concurrentGroups || this.#scheduled) return;
    this.#scheduled = true;
    // The commit's fsync blocks this thread, so nothing queues while it runs:
    // wait a moment (when the last flush was recent, i.e. under load) so that
    // requests already on the wire join this group and share its fsync.
    const busy = performance.now() - this.#lastFlush < GROUP_WINDOW_MS * 4;
    if (busy) setTimeout(() => void this.#flush(), GROUP_WINDOW_MS);
    else setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#lastFlush = performance.now();
    this.#inFlight++;
    const jobs = this.#queue.splice(0, MAX_GROUP);
    if (this.#queue.length > 0) this.#schedule();
    // A stable lock order (by peer) keeps concurrent writers on PostgreSQL deadlock-free.
    jobs.sort((a, b) => (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0));
    // The CPU-heavy derivation runs before the transaction, so the write lock
    // (shared by every server process on one database) is held only for the writes.
    for (const job of jobs) if (job.text === undefined) await precompute(this.db, job);
    try {
      const outcomes = await this.#writeGroup(jobs);
      jobs.forEach((job, i) => this.#done(job, outcomes[i]));
    } catch (groupError) {
      if (jobs.length === 1) {
        this.#failed(jobs[0], groupError);
      } else {
        // One bad batch must not fail the others: retry each on its own.
        for (const job of jobs) {
          try {
            this.#done(job, (await this.#writeGroup([job]))[0]);
          } catch (err) {
            this.#failed(job, err);
          }
        }
      }
    } finally {
      this.#inFlight--;
      if (this.#queue.length > 0) this.#schedule();
    }
  }

  /** Writes `jobs` in one transaction. */
  async #writeGroup(jobs: Job[]): Promise<BatchOutcome[]> {
    if (!this.#observer) return this.#writeGroupTx(jobs);
    const started = performance.now();
    let ok = false;
    try {
      const outcomes = await this.#writeGroupTx(jobs);
      ok = true;
      return outcomes;
    } finally {
      this.#observer.groupWritten(jobs.length, (performance.now() - started) / 1000, ok);
    }
  }

  async #writeGroupTx(jobs: Job[]): Promise<BatchOutcome[]> {
    for (const job of jobs) job.written = undefined;
    const sqlite = this.#sqlite;
    if (sqlite) {
      // Holding Kysely's connection keeps its other queries (joins, reports) off it meanwhile.
      return this.db
        .connection()
        .execute(async () =>
          sqlite.inTransaction(() => jobs.map((job) => writeBatchSqlite(sqlite, job))),
        );
    }
    if (this.dialect === 'postgres')
      return this.db
        .transaction()
        .execute((tx) => writeGroupPostgres(tx, jobs, (job) => writeBatch(tx, 'postgres', job)));
    return this.db.transaction().execute(async (tx) => {
      const out: BatchOutcome[] = [];
      for (const job of jobs) out.push(await writeBatch(tx, this.dialect, job));
      return out;
    });
  }

  #done(job: Job, outcome: BatchOutcome): void {
    if (job.written) this.#states.update(job.peerId, job.written);
    if (this.#observer) {
      const stored = outcome.status === 'stored';
      this.#observer.batchDone(
        outcome.status,
        (performance.now() - job.submittedAt) / 1000,
        stored ? outcome.samples : 0,
        stored ? outcome.skipped : 0,
      );
    }
    job.resolve(outcome);
  }

  #failed(job: Job, err: unknown): void {
    this.#states.forget(job.peerId);
    this.#observer?.batchDone('failed', (performance.now() - job.submittedAt) / 1000, 0, 0);
    job.reject(err);
  }
}

type Tx = Transaction<Database>;

async function writeBatch(tx: Tx, dialect: StoreDialect, job: Job): Promise<BatchOutcome> {
  const { peerId, batch, receivedAt } = job;
  let peerQuery = tx
    .selectFrom('peers')
    .select(['status', 'left_at', 'leave_reason', 'account_id', 'joined_at', 'session_id'])
    .where('id', '=', peerId)
    .where('participant_id', '=', job.participantId);
  if (dialect === 'postgres') peerQuery = peerQuery.forUpdate();
  const peer = await peerQuery.executeTakeFirst();
  if (!peer) return { status: 'unknown_peer' };
  const account = peer.account_id;

  const inserted = await tx
    .insertInto('peer_batches')
    .values({
      peer_id: peerId,
      account_id: account,
      batch_id: batch.batch_id,
      received_at: receivedAt,
    })
    .onConflict((oc) => oc.columns(['peer_id', 'batch_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { status: 'duplicate' };
  const acceptance = batchAcceptance(peer, receivedAt);
  if (acceptance === 'closed') {
    // Undo the batch-id record: the client will rejoin and resend under a new peer.
    await tx
      .deleteFrom('peer_batches')
      .where('peer_id', '=', peerId)
      .where('batch_id', '=', batch.batch_id)
      .execute();
    return { status: 'peer_closed' };
  }
  await tx
    .updateTable('peers')
    .set(peerUpdateOf(batch, receivedAt, acceptance === 'late'))
    .where('id', '=', peerId)
    .execute();

  const events = eventRows(batch, peerId, account);
  if (events.length) await tx.insertInto('peer_events').values(events).execute();
  const devices = deviceRows(batch, peerId, account);
  if (devices.length) await tx.insertInto('device_updates').values(devices).execute();
  const pcs = pcMetadataRows(batch, peerId, account);
  if (pcs.length) await tx.insertInto('pc_metadata').values(pcs).execute();
  await upsertCandidatePairs(tx, candidatePairRows(batch, peerId, account));

  if (!job.pre && !batch.samples?.length) return { status: 'stored', samples: 0, skipped: 0 };
  const keys = job.pre?.keys ?? streamKeysOf(batch.samples!);
  const known = await loadStreamStates(tx, peerId, keys);
  // Derived before the transaction (outside the write lock) from the same
  // stream states? Use it; otherwise (a concurrent batch of this peer moved a
  // stream on meanwhile) derive again from the states read under the lock.
  const derived =
    job.pre && sameStates(job.pre.known, known)
      ? job.pre
      : deriveStreamChunks(peerId, samplesOf(job), known);
  stamp(job, derived, account, receivedAt);
  if (derived.chunks.length) await tx.insertInto('quality_chunks').values(derived.chunks).execute();
  let lateStored = 0;
  for (const [key, samples] of lateByStream(derived)) {
    const edges = (
      await tx
        .selectFrom('quality_chunks')
        .select(['id', 'first_ts', 'last_ts', 'first_sample', 'last_sample'])
        .where('peer_id', '=', peerId)
        .where('stream_key', '=', key)
        .execute()
    )
      .map((e) => ({
        ...e,
        id: Number(e.id),
        first_ts: Number(e.first_ts),
        last_ts: Number(e.last_ts),
      }))
      .sort((a, b) => a.first_ts - b.first_ts || a.id - b.id);
    for (const group of groupLateSamples(samples, edges).groups) {
      const head = await tx
        .selectFrom('quality_chunks')
        .select(['rows_json', 'metrics'])
        .where('peer_id', '=', peerId)
        .where('id', '=', group.next.id)
        .executeTakeFirstOrThrow();
      const fill = fillGap(peerId, key, group, head);
      if (!fill) continue;
      await tx
        .updateTable('quality_chunks')
        .set({ rows_json: fill.next.rows_json, metrics: fill.next.metrics })
        .where('peer_id', '=', peerId)
        .where('id', '=', fill.next.id)
        .execute();
      await tx
        .insertInto('quality_chunks')
        .values({ ...fill.chunk, account_id: account, received_at: receivedAt })
        .execute();
      lateStored += fill.chunk.n;
    }
  }
  if (derived.states.length) {
    await tx
      .insertInto('stream_state')
      .values(derived.states)
      .onConflict((oc) =>
        oc.columns(['peer_id', 'stream_key']).doUpdateSet((eb) => ({
          last_ts: eb.ref('excluded.last_ts'),
          last_sample: eb.ref('excluded.last_sample'),
        })),
      )
      .execute();
  }
  const span = peerSpanChange(
    peer,
    derived.chunks as { first_ts: number; last_ts: number }[],
    receivedAt,
  );
  if (span) {
    await tx.updateTable('peers').set(span.peer).where('id', '=', peerId).execute();
    const startsBy = span.sessionStartsBy;
    await tx
      .updateTable('sessions')
      .set((eb) => ({
        minutes_consumed: eb('minutes_consumed', '+', span.addMinutes),
        ...(startsBy !== undefined
          ? {
              started_at: sql<number>`CASE WHEN started_at > ${startsBy} THEN ${startsBy} ELSE started_at END`,
            }
          : {}),
      }))
      .where('id', '=', peer.session_id)
      .execute();
  }
  return {
    status: 'stored',
    samples: derived.stored + lateStored,
    skipped: derived.skipped - lateStored,
  };
}

/** {@link writeBatch} on the embedded store: the same decisions and rows, through prepared statements, synchronously. */
function writeBatchSqlite(s: SqliteBatchStatements, job: Job): BatchOutcome {
  const { peerId, batch, receivedAt } = job;
  const peer = s.peer(peerId, job.participantId);
  if (!peer) return { status: 'unknown_peer' };
  const account = peer.account_id;
  if (!s.insertBatchId(peerId, account, batch.batch_id, receivedAt)) return { status: 'duplicate' };
  const acceptance = batchAcceptance(peer, receivedAt);
  if (acceptance === 'closed') {
    s.deleteBatchId(peerId, batch.batch_id);
    return { status: 'peer_closed' };
  }
  s.updatePeer(peerId, peerUpdateOf(batch, receivedAt, acceptance === 'late'));
  s.insertEvents(eventRows(batch, peerId, account));
  s.insertDeviceUpdates(deviceRows(batch, peerId, account));
  s.insertPcMetadata(pcMetadataRows(batch, peerId, account));
  s.upsertCandidatePairs(candidatePairRows(batch, peerId, account));

  if (!job.pre && !batch.samples?.length) return { status: 'stored', samples: 0, skipped: 0 };
  const keys = new Set(job.pre?.keys ?? streamKeysOf(batch.samples!));
  // The stored times alone tell whether the early derivation still holds; the sample bodies are read only when it does not.
  const times = s.streamStateTimes(peerId).filter((t) => keys.has(t.stream_key));
  const derived =
    job.pre && sameStates(job.pre.known, times)
      ? job.pre
      : deriveStreamChunks(peerId, samplesOf(job), s.streamStates(peerId));
  stamp(job, derived, account, receivedAt);
  s.insertChunks(derived.chunks);
  s.upsertStreamStates(derived.states);
  const span = peerSpanChange(
    peer,
    derived.chunks as { first_ts: number; last_ts: number }[],
    receivedAt,
  );
  if (span) {
    s.updatePeer(peerId, span.peer);
    s.widenSession(peer.session_id, span.sessionStartsBy, span.addMinutes);
  }
  let lateStored = 0;
  for (const [key, samples] of lateByStream(derived)) {
    for (const group of groupLateSamples(samples, s.chunkEdges(peerId, key)).groups) {
      const fill = fillGap(peerId, key, group, s.chunkHead(peerId, group.next.id));
      if (!fill) continue;
      s.rewriteChunk(peerId, fill.next.id, fill.next.rows_json, fill.next.metrics);
      s.insertChunks([{ ...fill.chunk, account_id: account, received_at: receivedAt }]);
      lateStored += fill.chunk.n;
    }
  }
  return {
    status: 'stored',
    samples: derived.stored + lateStored,
    skipped: derived.skipped - lateStored,
  };
}

/** A derivation's late samples (older than their stream's stored state), by stream. */
function lateByStream(derived: DerivedChunks): Map<string, StreamSample[]> {
  const out = new Map<string, StreamSample[]>();
  for (const sample of derived.late ?? []) {
    const key = streamKey(sample);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(sample);
  }
  return out;
}

/** Sets the stored-row fields known only at write time, and notes the states written. */
function stamp(job: Job, derived: DerivedChunks, accountId: string, receivedAt: number): void {
  for (const chunk of derived.chunks) {
    chunk.account_id = accountId;
    chunk.received_at = receivedAt;
  }
  for (const state of derived.states) state.account_id = accountId;
  job.written = derived.states;
}

/** A job's samples: kept on the batch, or parsed again from its (validated) text. */
function samplesOf(job: Job): StreamSample[] {
  if (job.batch.samples) return job.batch.samples;
  const parsed = parseBatch(job.text ?? '{}');
  if (!parsed.ok)
    throw new Error(`batch ${job.batch.batch_id} no longer parses: ${parsed.message}`);
  return parsed.batch.samples ?? [];
}

/** The peer's stored stream states: of the streams `keys` when given, else all. */
async function loadStreamStates(
  db: Kysely<Database> | Transaction<Database>,
  peerId: string,
  keys?: string[],
): Promise<KnownState[]> {
  if (keys?.length === 0) return [];
  let q = db
    .selectFrom('stream_state')
    .select(['stream_key', 'last_ts', 'last_sample'])
    .where('peer_id', '=', peerId);
  if (keys) q = q.where('stream_key', 'in', keys);
  const rows = await q.execute();
  return rows.map((r) => ({ ...r, last_ts: Number(r.last_ts) }));
}

/** Derives a job's chunks before its transaction; a failure here is retried inside it. */
async function precompute(db: Kysely<Database>, job: Job): Promise<void> {
  const samples = job.batch.samples;
  if (!samples?.length) return;
  try {
    job.pre = deriveStreamChunks(
      job.peerId,
      samples,
      await loadStreamStates(db, job.peerId, streamKeysOf(samples)),
    );
  } catch {
    job.pre = undefined;
  }
}

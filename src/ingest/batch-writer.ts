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
import type { Store } from '../store/store.ts';
import type { StreamStateTable } from '../store/schema.ts';
import type { BatchOutcome } from '../store/telemetry-write-types.ts';
import type { TelemetryBatch } from '../model/telemetry.ts';
import { deriveStreamChunks, type DerivedChunks, type KnownState } from './derive-stream-chunks.ts';
import { CoalescedReads } from './coalesced-reads.ts';
import { PreparePool } from './prepare-pool.ts';
import { StreamStateCache } from './stream-state-cache.ts';
import { redactBatchAddresses } from './redact-addresses.ts';
import { streamKeysOf } from './batch-rows.ts';
import { batchRules } from './batch-rules.ts';
import type { IngestObserver } from './ingest-observer.ts';

export type { BatchOutcome };

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
  readonly #states = new StreamStateCache();
  readonly #freshStates: CoalescedReads<KnownState[]>;
  readonly #keepFullIp: boolean;
  readonly #observer?: IngestObserver;

  constructor(
    private readonly store: Store,
    options: BatchWriterOptions = {},
  ) {
    this.#concurrentGroups = store.telemetry.concurrentGroups(options.pgWriteConcurrency ?? 4);
    this.#pool = options.pool ?? new PreparePool(0);
    this.#keepFullIp = options.keepFullIp ?? false;
    this.#observer = options.observer;
    this.#freshStates = new CoalescedReads((peerIds) =>
      store.telemetry.streamStatesOfPeers(peerIds),
    );
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
    // derived twice: the states are read fresh outside the transaction, the reads of the requests that
    // arrive together coalesced into one query.
    let known: KnownState[] | undefined;
    if (this.store.telemetry.cachesStreamStates) {
      known = this.#states.get(peerId);
      if (!known)
        this.#states.set(peerId, (known = await this.store.telemetry.streamStates(peerId)));
    } else {
      known = (await this.#freshStates.get(peerId)) ?? [];
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
    for (const job of jobs) if (job.text === undefined) await precompute(this.store, job);
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
    return this.store.telemetry.writeGroup(jobs, batchRules);
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

/** Derives a job's chunks before its transaction; a failure here is retried inside it. */
async function precompute(store: Store, job: Job): Promise<void> {
  const samples = job.batch.samples;
  if (!samples?.length) return;
  try {
    job.pre = deriveStreamChunks(
      job.peerId,
      samples,
      await store.telemetry.streamStates(job.peerId, streamKeysOf(samples)),
    );
  } catch {
    job.pre = undefined;
  }
}

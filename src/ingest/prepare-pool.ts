/**
 * A pool of ingest worker threads that prepare batches (see
 * batch-preparation): the JSON parsing, validation and quality derivation of
 * a batch cost ~15 µs per sample, more than everything else the server does
 * with it, so they run beside the event loop instead of on it. With no
 * workers (`size` 0) batches are prepared inline.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker, WORKER_READY } from '../util/module-worker.ts';
import { prepareBatch, type PreparedBatch } from './batch-preparation.ts';
import { reviveDerived, type KnownState } from './derive-stream-chunks.ts';

interface Pending {
  resolve(p: PreparedBatch): void;
  reject(e: unknown): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  startedAt: number;
  /** Settles when the worker has loaded its code, or has failed to. */
  started: Promise<void>;
}

/** A worker that dies sooner than this after its start is not replaced (it cannot start). */
const MIN_LIFETIME_MS = 5_000;

/** Prepares batches on `size` worker threads (inline when 0). */
export class PreparePool {
  readonly #workers: PoolWorker[] = [];
  #nextId = 1;
  #closed = false;

  /** `workerModule`: the worker's code (prepare-worker.ts; another module only in tests). */
  constructor(
    readonly size: number,
    private readonly workerModule = siblingModule('prepare-worker', import.meta.url),
  ) {
    for (let i = 0; i < size; i++) this.#workers.push(this.#spawn());
  }

  #spawn(): PoolWorker {
    const worker = startModuleWorker(this.workerModule);
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    worker.once('exit', () => markStarted());
    const w: PoolWorker = { worker, pending: new Map(), startedAt: Date.now(), started };
    // An idle worker does not keep the process alive; one with batches in hand does.
    w.worker.unref();
    w.worker.on(
      'message',
      (msg: typeof WORKER_READY | { id: number; prepared?: PreparedBatch; error?: string }) => {
        if (msg === WORKER_READY) return markStarted();
        const p = w.pending.get(msg.id);
        if (!p) return;
        w.pending.delete(msg.id);
        if (w.pending.size === 0) w.worker.unref();
        if (msg.error !== undefined) p.reject(new Error(`ingest worker: ${msg.error}`));
        else p.resolve(reviveBatch(msg.prepared!));
      },
    );
    // A worker that dies fails its batches (the clients retry) and is replaced.
    w.worker.on('error', (err) => this.#fail(w, err));
    w.worker.on('exit', (code) =>
      this.#fail(w, new Error(`ingest worker exited with code ${code}`)),
    );
    return w;
  }

  #fail(w: PoolWorker, err: unknown): void {
    for (const p of w.pending.values()) p.reject(err);
    w.pending.clear();
    const i = this.#workers.indexOf(w);
    if (i < 0) return; // closed, or already handled (an error is followed by an exit)
    if (this.#closed) return void this.#workers.splice(i, 1);
    const message = err instanceof Error ? err.message : String(err);
    if (Date.now() - w.startedAt < MIN_LIFETIME_MS) {
      // It cannot start (a broken install, say): prepare on the event loop rather than respawn in a loop.
      this.#workers.splice(i, 1);
      console.error(
        `ingest worker failed soon after its start (${message}); ${this.#workers.length} left${this.#workers.length ? '' : ', preparing batches on the event loop'}`,
      );
    } else {
      this.#workers.splice(i, 1, this.#spawn());
      console.error(`ingest worker died (${message}); replaced`);
    }
  }

  /**
   * Settles when every worker has loaded its code (or failed to, and batches
   * go inline), or after `timeoutMs`: a server that waits for this before it
   * listens does not hold its first batches while workers boot.
   */
  async ready(timeoutMs = 15_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(this.#workers.map((w) => w.started)), timeout]);
    clearTimeout(timer);
  }

  /** Parses, validates and derives `text` for `peerId` from its stored stream states. */
  async prepare(text: string, peerId: string, known: KnownState[]): Promise<PreparedBatch> {
    if (this.#workers.length === 0) return prepareBatch(text, peerId, known);
    // The least busy worker takes it.
    let w = this.#workers[0];
    for (const c of this.#workers) if (c.pending.size < w.pending.size) w = c;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (w.pending.size === 0) w.worker.ref();
      w.pending.set(id, { resolve, reject });
      w.worker.postMessage({ id, text, peerId, known });
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

function reviveBatch(p: PreparedBatch): PreparedBatch {
  if (p.ok && p.derived) reviveDerived(p.derived);
  return p;
}

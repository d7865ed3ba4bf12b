/**
 * The server's side of the delivery thread (delivery-worker.ts). The thread is
 * started at the first sign of work: events recorded by this process, or
 * pending deliveries found by a cheap poll (recorded by another process, or
 * left by a crash). An idle server with no webhooks so never pays for a second
 * JavaScript heap and database connection (the idle memory target, issue 14).
 * A thread that dies is started again at the next sign of work; the outbox and
 * the leases make that safe (at-least-once, per-webhook order).
 */
import type { Worker } from 'node:worker_threads';
import type { StoreOptions } from '../store/open-store.ts';
import { onEventsRecorded } from '../store/webhook-outbox.ts';
import { siblingModule, startModuleWorker, WORKER_READY } from '../util/module-worker.ts';
import type { WebhookConfig } from './webhook-config.ts';
import type { DispatcherHooks } from './webhook-dispatcher.ts';
import type {
  DeliveryWorkerData,
  FromDeliveryWorker,
  ToDeliveryWorker,
} from './delivery-worker.ts';

/** How often an idle server looks for pending deliveries before its thread runs (ms). */
const IDLE_CHECK_MS = 5_000;
/** How long closing waits for the thread to record what it sent (ms); then it is stopped. */
const CLOSE_WAIT_MS = 10_000;
/** After a thread failed, no new one starts for this long (ms): a thread that cannot start must not spin. */
const RESTART_AFTER_MS = 5_000;

/** The delivery loop of this process, on a worker thread. */
export class DeliveryThread {
  #worker?: Worker;
  #closed = false;
  /** No thread starts before this time (epoch ms): the last one failed. */
  #restartAt = 0;
  #checking = false;
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: StoreOptions,
    private readonly config: WebhookConfig,
    private readonly hooks: DispatcherHooks,
    /** Pending deliveries in the store (any process's). */
    private readonly backlog: () => Promise<number>,
  ) {
    this.#unsubscribe = onEventsRecorded(() => this.#send('poke'));
    this.#timer = setInterval(
      () => void this.#check(),
      Math.min(IDLE_CHECK_MS, config.pollIntervalMs * 10),
    );
    this.#timer.unref();
    void this.#check();
  }

  /** Whether the thread is running. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Stops the thread once it has recorded the deliveries in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    clearInterval(this.#timer);
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close' satisfies ToDeliveryWorker);
    const timeout = setTimeout(() => void worker.terminate(), CLOSE_WAIT_MS);
    await exited;
    clearTimeout(timeout);
  }

  async #check(): Promise<void> {
    if (this.#worker || this.#closed || this.#checking) return;
    this.#checking = true;
    try {
      if ((await this.backlog()) > 0) this.#send('poke');
    } catch (err) {
      console.error('webhook backlog check failed:', (err as Error).message);
    } finally {
      this.#checking = false;
    }
  }

  #send(message: ToDeliveryWorker): void {
    if (this.#closed) return;
    // Within the pause after a failure the poke is dropped: the idle check finds the backlog again.
    if (!this.#worker && Date.now() < this.#restartAt) return;
    (this.#worker ??= this.#start()).postMessage(message);
  }

  #start(): Worker {
    const workerData: DeliveryWorkerData = { store: this.store, config: this.config };
    const worker = startModuleWorker(siblingModule('delivery-worker', import.meta.url), {
      workerData,
    });
    worker.on('message', (m: FromDeliveryWorker | typeof WORKER_READY) => {
      if (typeof m === 'object') this.hooks.onDelivery?.(m.delivery);
    });
    worker.on('error', (err) => console.error('webhook delivery thread failed:', err.message));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (code !== 0 && !this.#closed) this.#restartAt = Date.now() + RESTART_AFTER_MS;
    });
    return worker;
  }
}

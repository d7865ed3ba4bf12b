/**
 * The delivery loop in a worker thread (started by delivery-thread.ts): its own
 * event loop and its own database connection, so that a busy ingest on the
 * server's loop does not hold every request of a webhook's chain (read, sign,
 * POST, answer, next) for a turn of that loop. Measured before: under ingest at
 * 100 batches/s, delivery on the server's loop managed 1–40 events/s; each POST
 * waited 0.3–0.8 s for the loop (BENCHMARKS.md, issue 17).
 *
 * Messages from the server: `poke` (events were recorded) and `close`. To the
 * server: `{ delivery: outcome }` per attempt, for the operator metrics, and
 * `closed` once the loop stopped and the connection is closed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore, type StoreOptions } from '../store/open-store.ts';
import type { WebhookConfig } from './webhook-config.ts';
import { signingKeyCache } from './signing-key.ts';
import { WebhookDispatcher } from './webhook-dispatcher.ts';

/** What the server hands the worker (structured-cloned: no functions). */
export interface DeliveryWorkerData {
  store: StoreOptions;
  config: WebhookConfig;
}

/** A message from the server to the worker. */
export type ToDeliveryWorker = 'poke' | 'close';
/** A message from the worker to the server. */
export type FromDeliveryWorker = { delivery: 'delivered' | 'failed' | 'disabled' } | 'closed';

const port = parentPort!;
const data = workerData as DeliveryWorkerData;
const store = await openStore(data.store);
const dispatcher = new WebhookDispatcher(
  store.webhooks.delivery,
  signingKeyCache(store),
  data.config,
  {
    onDelivery: (outcome) => port.postMessage({ delivery: outcome } satisfies FromDeliveryWorker),
  },
);
dispatcher.start();

port.on('message', (message: ToDeliveryWorker) => {
  if (message === 'poke') dispatcher.poke();
  else if (message === 'close')
    void dispatcher
      .close()
      .then(() => store.close())
      .catch((err: unknown) => console.error('webhook delivery thread: closing failed:', err))
      .finally(() => {
        port.postMessage('closed' satisfies FromDeliveryWorker);
        port.close();
      });
});

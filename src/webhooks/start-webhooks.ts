/**
 * Process wiring of webhooks: the signing key (made on first start), the
 * delivery loop (on a worker thread of its own by default, delivery-thread.ts)
 * and the live-alert scan. Every server process runs them; the database shares
 * the work out (see webhook-dispatcher.ts, live-alerts.ts).
 */
import type { Store } from '../store/store.ts';
import type { StoreOptions } from '../store/open-store.ts';
import { DeliveryThread } from './delivery-thread.ts';
import type { WebhookConfig } from './webhook-config.ts';
import { ensureSigningKey, signingKeyCache } from './signing-key.ts';
import { WebhookDispatcher, type DispatcherHooks } from './webhook-dispatcher.ts';
import { scanLiveAlerts } from './live-alerts.ts';
import { setWebhookPublicUrl } from '../store/webhook-outbox.ts';

/** Running webhook machinery. */
export interface RunningWebhooks {
  /** The delivery loop on this process's event loop (`deliveryThread` off). */
  dispatcher?: WebhookDispatcher;
  /** The delivery loop on its own thread (the default). */
  thread?: DeliveryThread;
  close(): Promise<void>;
}

/**
 * Starts webhook delivery and live alerts for a server process. `storeOptions` (only what can be sent to a
 * thread: no callbacks) opens the delivery thread's own connection to the same store.
 */
export async function startWebhooks(
  store: Store,
  config: WebhookConfig,
  hooks: DispatcherHooks = {},
  storeOptions?: StoreOptions,
): Promise<RunningWebhooks> {
  await ensureSigningKey(store);
  setWebhookPublicUrl(config.publicUrl);
  if (!config.deliver) return { close: async () => {} };
  let dispatcher: WebhookDispatcher | undefined;
  let thread: DeliveryThread | undefined;
  if (config.deliveryThread && storeOptions)
    thread = new DeliveryThread(storeOptions, config, hooks, () =>
      store.maintenance.countWebhookBacklog(),
    );
  else {
    dispatcher = new WebhookDispatcher(
      store.webhooks.delivery,
      signingKeyCache(store),
      config,
      hooks,
    );
    dispatcher.start();
  }
  let scanning: Promise<unknown> | undefined;
  const scan = setInterval(() => {
    if (scanning) return;
    scanning = scanLiveAlerts(store, config.alerts, Date.now())
      .catch((err) => console.error('live alert scan failed:', (err as Error).message))
      .finally(() => (scanning = undefined));
  }, config.alerts.scanIntervalMs);
  scan.unref();
  return {
    dispatcher,
    thread,
    async close() {
      clearInterval(scan);
      await scanning;
      await (thread ?? dispatcher)?.close();
    },
  };
}

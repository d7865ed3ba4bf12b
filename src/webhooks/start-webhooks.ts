/**
 * Process wiring of webhooks: the signing key (made on first start), the
 * delivery loop and the live-alert scan. Every server process runs them; the
 * database shares the work out (see webhook-dispatcher.ts, live-alerts.ts).
 */
import type { Store } from '../store/store.ts';
import type { WebhookConfig } from './webhook-config.ts';
import { ensureSigningKey, signingKeyCache } from './signing-key.ts';
import { WebhookDispatcher, type DispatcherHooks } from './webhook-dispatcher.ts';
import { scanLiveAlerts } from './live-alerts.ts';
import { setWebhookPublicUrl } from '../store/webhook-outbox.ts';

/** Running webhook machinery. */
export interface RunningWebhooks {
  dispatcher?: WebhookDispatcher;
  close(): Promise<void>;
}

/** Starts webhook delivery and live alerts for a server process. */
export async function startWebhooks(
  store: Store,
  config: WebhookConfig,
  hooks: DispatcherHooks = {},
): Promise<RunningWebhooks> {
  await ensureSigningKey(store);
  setWebhookPublicUrl(config.publicUrl);
  if (!config.deliver) return { close: async () => {} };
  const dispatcher = new WebhookDispatcher(
    store.webhooks.delivery,
    signingKeyCache(store),
    config,
    hooks,
  );
  dispatcher.start();
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
    async close() {
      clearInterval(scan);
      await scanning;
      await dispatcher.close();
    },
  };
}

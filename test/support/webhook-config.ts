/** Webhook settings for tests: loopback receivers allowed, short backoff, polling, timeouts and leases. */
import { loadWebhookConfig, type WebhookConfig } from '../../src/webhooks/webhook-config.ts';

/** The test settings, with `overrides` on top. */
export function testWebhookConfig(overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  const base = loadWebhookConfig({});
  return {
    ...base,
    allowPrivate: 'loopback',
    retryBaseMs: 50,
    retryMaxDelayMs: 400,
    pollIntervalMs: 50,
    leaseMs: 3_000,
    requestTimeoutMs: 1_500,
    ...overrides,
    alerts: { ...base.alerts, ...overrides.alerts },
  };
}

/** The same settings as environment variables, for `peer-report serve` child processes. */
export const TEST_WEBHOOK_ENV: NodeJS.ProcessEnv = {
  PEER_REPORT_WEBHOOK_ALLOW_PRIVATE: 'loopback',
  PEER_REPORT_WEBHOOK_RETRY_BASE_MS: '50',
  PEER_REPORT_WEBHOOK_RETRY_MAX_DELAY_MS: '400',
  PEER_REPORT_WEBHOOK_POLL_MS: '50',
  PEER_REPORT_WEBHOOK_LEASE_MS: '3000',
  PEER_REPORT_WEBHOOK_TIMEOUT_MS: '1500',
};

/**
 * Webhook delivery settings, from `PEER_REPORT_WEBHOOK_*` and
 * `PEER_REPORT_ALERT_*` environment variables (see docs/webhooks.md).
 */

import type { Severity } from '../analytics/diagnosis/types.ts';
import { SEVERITIES, SEVERITY_ALIASES } from './live-issue-detector.ts';

/** Which non-public target addresses deliveries may reach. */
export type PrivateTargetPolicy = 'none' | 'loopback' | 'all';

/** Live quality-alert trigger settings. */
export interface AlertConfig {
  /** Lowest diagnosis severity that fires: fair, poor or bad. */
  minSeverity: Severity;
  /** How long an issue must have lasted before it fires (ms). */
  minDurationMs: number;
  /** At most one alert per peer per issue kind in this window (ms). */
  windowMs: number;
  /** How often live peers are checked (ms). */
  scanIntervalMs: number;
}

/** Everything the webhook subsystem needs to know. */
export interface WebhookConfig {
  /** Run the delivery loop in this process (every process by default; they share the work). */
  deliver: boolean;
  /** Private, loopback or link-local targets: refused (`none`, default), loopback only, or all. */
  allowPrivate: PrivateTargetPolicy;
  /** One attempt's limit, connect to end of response (ms). */
  requestTimeoutMs: number;
  /** Bytes of a receiver's response body read at most (kept for the log). */
  maxResponseBytes: number;
  /** First retry delay (ms); doubled each attempt up to {@link retryMaxDelayMs}, with jitter. */
  retryBaseMs: number;
  /** Longest delay between attempts (ms). */
  retryMaxDelayMs: number;
  /** An event is retried this long after it was recorded (ms); then it fails and the webhook is disabled. */
  retryForMs: number;
  /** Idle poll interval of the delivery loop (ms). */
  pollIntervalMs: number;
  /** A claimed webhook's lease (ms): another process takes it over after a crash once it expires. */
  leaseMs: number;
  /** Webhooks delivered to at once by one process. */
  concurrency: number;
  /** Deliveries kept in the log for this long after they finished (ms). */
  logRetentionMs: number;
  /** Absolute base URL of this server, for the report link of `peer.qualityReport` (else a path). */
  publicUrl?: string;
  alerts: AlertConfig;
}

/** Reads the webhook settings from `env`. */
export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const num = (v: string | undefined, d: number) =>
    v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d;
  const allow = (env.PEER_REPORT_WEBHOOK_ALLOW_PRIVATE ?? '').trim().toLowerCase();
  const allowPrivate: PrivateTargetPolicy =
    allow === 'loopback'
      ? 'loopback'
      : allow === '1' || allow === 'true' || allow === 'all'
        ? 'all'
        : 'none';
  const named = (env.PEER_REPORT_ALERT_MIN_SEVERITY ?? 'poor').trim().toLowerCase();
  const severity = SEVERITY_ALIASES[named] ?? named;
  return {
    deliver: env.PEER_REPORT_WEBHOOK_DELIVER !== '0' && env.PEER_REPORT_WEBHOOK_DELIVER !== 'false',
    allowPrivate,
    requestTimeoutMs: num(env.PEER_REPORT_WEBHOOK_TIMEOUT_MS, 5_000),
    maxResponseBytes: num(env.PEER_REPORT_WEBHOOK_MAX_RESPONSE_BYTES, 4_096),
    retryBaseMs: num(env.PEER_REPORT_WEBHOOK_RETRY_BASE_MS, 10_000),
    retryMaxDelayMs: num(env.PEER_REPORT_WEBHOOK_RETRY_MAX_DELAY_MS, 3_600_000),
    retryForMs: num(env.PEER_REPORT_WEBHOOK_RETRY_FOR_MS, 24 * 3_600_000),
    pollIntervalMs: num(env.PEER_REPORT_WEBHOOK_POLL_MS, 500),
    leaseMs: num(env.PEER_REPORT_WEBHOOK_LEASE_MS, 30_000),
    concurrency: Math.max(1, Math.floor(num(env.PEER_REPORT_WEBHOOK_CONCURRENCY, 8))),
    logRetentionMs: num(env.PEER_REPORT_WEBHOOK_LOG_DAYS, 7) * 86_400_000,
    publicUrl: env.PEER_REPORT_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    alerts: {
      minSeverity: (SEVERITIES as readonly string[]).includes(severity)
        ? (severity as Severity)
        : 'poor',
      minDurationMs: num(env.PEER_REPORT_ALERT_MIN_DURATION_MS, 10_000),
      windowMs: num(env.PEER_REPORT_ALERT_WINDOW_MS, 900_000),
      scanIntervalMs: num(env.PEER_REPORT_ALERT_SCAN_MS, 5_000),
    },
  };
}

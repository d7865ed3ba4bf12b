/**
 * Webhook delivery settings, from `PEER_REPORT_WEBHOOK_*` and
 * `PEER_REPORT_ALERT_*` environment variables (see docs/webhooks.md).
 */

import {
  count,
  enumKind,
  flagKind,
  numberKind,
  readSettings,
  urlKind,
  type SettingKind,
  type SettingTable,
} from '../util/config-reader.ts';
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
  /**
   * Deliver from a worker thread with its own event loop and database connection (default), started at the
   * first pending delivery; else on the server's event loop, where a busy ingest delays every request.
   */
  deliveryThread: boolean;
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

/** `1`/`true` mean `all`, `0`/`false` mean `none` (the values before the policy had names). */
const privatePolicy: SettingKind<PrivateTargetPolicy> = {
  ...enumKind(['none', 'loopback', 'all']),
  fromText: (text) => {
    const t = text.trim().toLowerCase();
    return t === '1' || t === 'true' ? 'all' : t === '0' || t === 'false' ? 'none' : t;
  },
};

/** A diagnosis severity; the names of earlier versions (minor, major, critical) are accepted as aliases. */
const alertSeverity: SettingKind<Severity> = {
  ...enumKind(SEVERITIES as readonly [Severity, ...Severity[]]),
  fromText: (text) => {
    const t = text.trim().toLowerCase();
    return SEVERITY_ALIASES[t] ?? t;
  },
};

const ms = (name: string, fallback: number) => ({ kind: count(), env: [name], default: fallback });

/** The settings, flat; {@link loadWebhookConfig} nests the alerts'. */
const WEBHOOK_SETTINGS: SettingTable<
  Omit<WebhookConfig, 'alerts' | 'logRetentionMs'> & {
    logRetentionDays: number;
    alertMinSeverity: AlertConfig['minSeverity'];
    alertMinDurationMs: number;
    alertWindowMs: number;
    alertScanIntervalMs: number;
  }
> = {
  deliver: { kind: flagKind, env: ['PEER_REPORT_WEBHOOK_DELIVER'], default: true },
  deliveryThread: { kind: flagKind, env: ['PEER_REPORT_WEBHOOK_THREAD'], default: true },
  allowPrivate: {
    kind: privatePolicy,
    env: ['PEER_REPORT_WEBHOOK_ALLOW_PRIVATE'],
    default: 'none',
  },
  requestTimeoutMs: ms('PEER_REPORT_WEBHOOK_TIMEOUT_MS', 5_000),
  maxResponseBytes: {
    kind: count(),
    env: ['PEER_REPORT_WEBHOOK_MAX_RESPONSE_BYTES'],
    default: 4_096,
  },
  retryBaseMs: ms('PEER_REPORT_WEBHOOK_RETRY_BASE_MS', 10_000),
  retryMaxDelayMs: ms('PEER_REPORT_WEBHOOK_RETRY_MAX_DELAY_MS', 3_600_000),
  retryForMs: ms('PEER_REPORT_WEBHOOK_RETRY_FOR_MS', 24 * 3_600_000),
  pollIntervalMs: ms('PEER_REPORT_WEBHOOK_POLL_MS', 500),
  leaseMs: ms('PEER_REPORT_WEBHOOK_LEASE_MS', 30_000),
  concurrency: {
    kind: numberKind({ min: 1, integer: true }),
    env: ['PEER_REPORT_WEBHOOK_CONCURRENCY'],
    default: 8,
  },
  logRetentionDays: {
    kind: numberKind({ min: 0 }),
    env: ['PEER_REPORT_WEBHOOK_LOG_DAYS'],
    default: 7,
  },
  publicUrl: {
    kind: urlKind(['http', 'https']),
    env: ['PEER_REPORT_PUBLIC_URL'],
    default: undefined,
  },
  alertMinSeverity: {
    kind: alertSeverity,
    env: ['PEER_REPORT_ALERT_MIN_SEVERITY'],
    default: 'poor',
  },
  alertMinDurationMs: ms('PEER_REPORT_ALERT_MIN_DURATION_MS', 10_000),
  alertWindowMs: ms('PEER_REPORT_ALERT_WINDOW_MS', 900_000),
  alertScanIntervalMs: ms('PEER_REPORT_ALERT_SCAN_MS', 5_000),
};

/** Reads the webhook settings from `env`; a bad value is a `ConfigError` naming its variable. */
export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig {
  const {
    logRetentionDays,
    alertMinSeverity,
    alertMinDurationMs,
    alertWindowMs,
    alertScanIntervalMs,
    ...rest
  } = readSettings(WEBHOOK_SETTINGS, { env });
  return {
    ...rest,
    logRetentionMs: logRetentionDays * 86_400_000,
    alerts: {
      minSeverity: alertMinSeverity,
      minDurationMs: alertMinDurationMs,
      windowMs: alertWindowMs,
      scanIntervalMs: alertScanIntervalMs,
    },
  };
}

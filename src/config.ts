/**
 * Server configuration, from CLI flags and environment variables
 * (`PEER_REPORT_*`, `DATABASE_URL`). Defaults run a single server on the
 * embedded database in `./data`.
 */
import os from 'node:os';
import { loadWebhookConfig, type WebhookConfig } from './webhooks/webhook-config.ts';

/** Everything the server needs to know. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** Socket addresses whose X-Forwarded-For is trusted. */
  trustedProxies: string[];
  /** Keep full client IP addresses instead of /24 (IPv4) and /48 (IPv6). */
  keepFullIp: boolean;
  /** A live peer that sends nothing for this long is closed (ms). */
  peerTimeoutMs: number;
  /** How often the timeout sweeper runs (ms). */
  sweepIntervalMs: number;
  /** Body limits (bytes). */
  maxApiBodyBytes: number;
  maxIngestBodyBytes: number;
  maxImportBodyBytes: number;
  /** Days of telemetry to keep (0 = forever). */
  retentionDays: number;
  /** Days a finished peer's summary (peer row, stored aggregates) is kept (0 = forever); see store/summary-retention.ts. */
  summaryRetentionDays: number;
  /** How often partitions and retention are maintained (ms). */
  maintenanceIntervalMs: number;
  /** Memory for cached reports of finished peers, MiB (0 disables the cache). */
  reportCacheMb: number;
  /** Log requests to stdout. */
  logRequests: boolean;
  /** A finished peer's quality chunks are merged this long after it left (ms). */
  compactAfterMs: number;
  /** A live peer's per-batch chunks are merged this often (ms). */
  mergeLiveEveryMs: number;
  /** PostgreSQL only: ingest group transactions in flight at once per process. */
  pgWriteConcurrency: number;
  /** Worker threads that parse, validate and derive ingest batches (0: on the event loop). */
  ingestWorkers: number;
  /** A connection that sends nothing (no request started) is closed after this long (ms). */
  idleTimeoutMs: number;
  /** A request's headers must have arrived this long after it began (ms). */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must have arrived this long after it began (ms). */
  requestTimeoutMs: number;
  /** A kept-alive connection waits this long for its next request (ms). */
  keepAliveTimeoutMs: number;
  /** Concurrent connections per process; beyond it new connections are closed at once. */
  maxConnections: number;
  /** Ingest requests per second per participant (token bucket refill; 0 disables the limit). */
  ingestRatePerSecond: number;
  /** Ingest requests a participant may send in a burst (token bucket size). */
  ingestBurst: number;
  /** Joins per second per participant (a second, stricter bucket: a join costs transactions, a live client joins once). */
  joinRatePerSecond: number;
  /** Joins a participant may send in a burst. */
  joinBurst: number;
  /** Live peers per participant; a join beyond it closes that participant's oldest live peers. */
  maxLivePeersPerParticipant: number;
  /** Bearer token of `GET /metrics`; the endpoint is off without one. */
  metricsToken?: string;
  /** How long a `/metrics` gauge read from the database is reused (ms). */
  metricsGaugeTtlMs: number;

  /** Webhook delivery and live quality alerts (src/webhooks/webhook-config.ts). */
  webhooks: WebhookConfig;

  /** Whether peer reports carry the `diagnosis` (docs/diagnosis.md); `PEER_REPORT_DIAGNOSIS=0` turns it off. */
  diagnosis: boolean;
  /**
   * A live peer's own diagnosis is recomputed from all its rows at most once per this many ms, however
   * often batches and reads come (`PEER_REPORT_LIVE_DIAGNOSIS_REFRESH_MS`, default 5000; 0: after every batch).
   */
  liveDiagnosisRefreshMs: number;
}

/** One ingest worker per core beyond the first (the event loop's), at least one, at most four. */
const DEFAULT_INGEST_WORKERS = Math.min(4, Math.max(1, os.availableParallelism() - 1));

/** Reads configuration from `env`, overridden by `overrides`. */
export function loadConfig(
  overrides: Partial<ServerConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const num = (v: string | undefined, d: number) =>
    v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d;
  const base: ServerConfig = {
    port: num(env.PORT ?? env.PEER_REPORT_PORT, 8787),
    // Loopback unless told otherwise: exposing the server is a decision (see README, Security and operations).
    host: env.PEER_REPORT_HOST || '127.0.0.1',
    dataDir: env.PEER_REPORT_DATA ?? './data',
    databaseUrl: env.DATABASE_URL || undefined,
    trustedProxies: (env.PEER_REPORT_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    keepFullIp: env.PEER_REPORT_KEEP_FULL_IP === '1' || env.PEER_REPORT_KEEP_FULL_IP === 'true',
    peerTimeoutMs: num(env.PEER_REPORT_PEER_TIMEOUT_MS, 30_000),
    sweepIntervalMs: num(env.PEER_REPORT_SWEEP_INTERVAL_MS, 5_000),
    maxApiBodyBytes: num(env.PEER_REPORT_MAX_API_BODY, 64 * 1024),
    maxIngestBodyBytes: num(env.PEER_REPORT_MAX_INGEST_BODY, 4 * 1024 * 1024),
    maxImportBodyBytes: num(env.PEER_REPORT_MAX_IMPORT_BODY, 64 * 1024 * 1024),
    retentionDays: num(env.PEER_REPORT_RETENTION_DAYS, 0),
    summaryRetentionDays: num(env.PEER_REPORT_SUMMARY_RETENTION_DAYS, 0),
    maintenanceIntervalMs: num(env.PEER_REPORT_MAINTENANCE_INTERVAL_MS, 3_600_000),
    logRequests: env.PEER_REPORT_LOG_REQUESTS === '1',
    reportCacheMb: num(env.PEER_REPORT_REPORT_CACHE_MB, 256),
    compactAfterMs: num(env.PEER_REPORT_COMPACT_AFTER_MS, 60_000),
    mergeLiveEveryMs: num(env.PEER_REPORT_MERGE_LIVE_EVERY_MS, 600_000),
    pgWriteConcurrency: Math.max(1, Math.floor(num(env.PEER_REPORT_PG_WRITE_CONCURRENCY, 4))),
    ingestWorkers: Math.max(
      0,
      Math.floor(num(env.PEER_REPORT_INGEST_WORKERS, DEFAULT_INGEST_WORKERS)),
    ),
    idleTimeoutMs: num(env.PEER_REPORT_IDLE_TIMEOUT_MS, 10_000),
    headersTimeoutMs: num(env.PEER_REPORT_HEADERS_TIMEOUT_MS, 20_000),
    requestTimeoutMs: num(env.PEER_REPORT_REQUEST_TIMEOUT_MS, 120_000),
    keepAliveTimeoutMs: num(env.PEER_REPORT_KEEP_ALIVE_TIMEOUT_MS, 5_000),
    maxConnections: num(env.PEER_REPORT_MAX_CONNECTIONS, 10_000),
    ingestRatePerSecond: num(env.PEER_REPORT_INGEST_RATE, 50),
    ingestBurst: num(env.PEER_REPORT_INGEST_BURST, 500),
    joinRatePerSecond: num(env.PEER_REPORT_JOIN_RATE, 0.2),
    joinBurst: num(env.PEER_REPORT_JOIN_BURST, 20),
    maxLivePeersPerParticipant: num(env.PEER_REPORT_MAX_LIVE_PEERS, 8),
    metricsToken: env.PEER_REPORT_METRICS_TOKEN || undefined,
    metricsGaugeTtlMs: num(env.PEER_REPORT_METRICS_GAUGE_TTL_MS, 10_000),

    webhooks: loadWebhookConfig(env),

    diagnosis: env.PEER_REPORT_DIAGNOSIS !== '0' && env.PEER_REPORT_DIAGNOSIS !== 'false',
    liveDiagnosisRefreshMs: num(env.PEER_REPORT_LIVE_DIAGNOSIS_REFRESH_MS, 5000),
  };
  const merged = { ...base };
  for (const [k, v] of Object.entries(overrides))
    if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return merged;
}

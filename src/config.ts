/**
 * Server configuration, from CLI flags and environment variables (`PEER_REPORT_*`, `PORT`, `DATABASE_URL`): the
 * one place they are read. Flags win over the environment; every value is validated, and a bad one is a
 * `ConfigError` naming the flag or variable (the CLI exits 2). Defaults run a single server on the embedded
 * database in `./data`. README.md ("Configuration") lists every variable.
 */
import os from 'node:os';
import { loadWebhookConfig, type WebhookConfig } from './webhooks/webhook-config.ts';
import {
  count,
  enumKind,
  flagKind,
  listKind,
  numberKind,
  optionalTextKind,
  readSettings,
  textKind,
  urlKind,
  type ConfigSources,
  type SettingTable,
} from './util/config-reader.ts';

/** Where the data is: what every command that opens the store needs. */
export interface StoreConfig {
  /** Directory of the embedded database. */
  dataDir: string;
  /** `postgres://...`: PostgreSQL instead of the embedded database. */
  databaseUrl?: string;
  /** PostgreSQL connections per process. */
  pgPoolSize: number;
  /** SQLite `synchronous`: `full` fsyncs each commit, `normal` only at checkpoints. */
  sqliteSynchronous: 'full' | 'normal';
}

/** Everything the server needs to know. */
export interface ServerConfig extends StoreConfig {
  port: number;
  host: string;
  /** Server processes sharing the port (`serve --workers`; node:cluster). */
  workers: number;
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
  /**
   * Memory for cached reports of finished peers and live peers' aggregates, MiB (0 disables the cache); live
   * peers' chunk contents get up to half as much again (store/live-chunk-cache.ts), off with it.
   */
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

/** Shortest metrics token accepted (characters): a guessable token would open the endpoint. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** One ingest worker per core beyond the first (the event loop's), at least one, at most four. */
const defaultIngestWorkers = () => Math.min(4, Math.max(1, os.availableParallelism() - 1));

const STORE_SETTINGS: SettingTable<StoreConfig> = {
  dataDir: { kind: textKind(), env: ['PEER_REPORT_DATA'], flag: 'data', default: './data' },
  databaseUrl: {
    kind: urlKind(['postgres', 'postgresql']),
    env: ['DATABASE_URL'],
    default: undefined,
  },
  pgPoolSize: {
    kind: numberKind({ min: 1, integer: true }),
    env: ['PEER_REPORT_PG_POOL'],
    default: 10,
  },
  sqliteSynchronous: {
    kind: enumKind(['full', 'normal']),
    env: ['PEER_REPORT_SQLITE_SYNCHRONOUS'],
    default: 'full',
  },
};

/** A non-negative number of milliseconds, read from `name` (and `flag` when given). */
const ms = (name: string, fallback: number, flag?: string) => ({
  kind: count(),
  env: [name],
  flag,
  default: fallback,
});

const SERVER_SETTINGS: SettingTable<Omit<ServerConfig, 'webhooks'>> = {
  ...STORE_SETTINGS,
  // PEER_REPORT_PORT is ours; PORT is what hosting platforms set, used when ours is not.
  port: {
    kind: numberKind({ min: 0, max: 65535, integer: true }),
    env: ['PEER_REPORT_PORT', 'PORT'],
    flag: 'port',
    default: 8787,
  },
  // Loopback unless told otherwise: exposing the server is a decision (see README, Security and operations).
  host: { kind: textKind(), env: ['PEER_REPORT_HOST'], flag: 'host', default: '127.0.0.1' },
  workers: {
    kind: numberKind({ min: 1, max: 64, integer: true }),
    env: ['PEER_REPORT_WORKERS'],
    flag: 'workers',
    default: 1,
  },
  trustedProxies: {
    kind: listKind,
    env: ['PEER_REPORT_TRUSTED_PROXIES'],
    flag: 'trusted-proxy',
    default: [],
  },
  keepFullIp: {
    kind: flagKind,
    env: ['PEER_REPORT_KEEP_FULL_IP'],
    flag: 'keep-full-ip',
    default: false,
  },
  peerTimeoutMs: ms('PEER_REPORT_PEER_TIMEOUT_MS', 30_000),
  sweepIntervalMs: ms('PEER_REPORT_SWEEP_INTERVAL_MS', 5_000),
  maxApiBodyBytes: { kind: count(), env: ['PEER_REPORT_MAX_API_BODY'], default: 64 * 1024 },
  maxIngestBodyBytes: {
    kind: count(),
    env: ['PEER_REPORT_MAX_INGEST_BODY'],
    default: 4 * 1024 * 1024,
  },
  maxImportBodyBytes: {
    kind: count(),
    env: ['PEER_REPORT_MAX_IMPORT_BODY'],
    default: 64 * 1024 * 1024,
  },
  retentionDays: { kind: numberKind({ min: 0 }), env: ['PEER_REPORT_RETENTION_DAYS'], default: 0 },
  summaryRetentionDays: {
    kind: numberKind({ min: 0 }),
    env: ['PEER_REPORT_SUMMARY_RETENTION_DAYS'],
    default: 0,
  },
  maintenanceIntervalMs: ms('PEER_REPORT_MAINTENANCE_INTERVAL_MS', 3_600_000),
  logRequests: {
    kind: flagKind,
    env: ['PEER_REPORT_LOG_REQUESTS'],
    flag: 'log-requests',
    default: false,
  },
  reportCacheMb: {
    kind: numberKind({ min: 0 }),
    env: ['PEER_REPORT_REPORT_CACHE_MB'],
    default: 256,
  },
  compactAfterMs: ms('PEER_REPORT_COMPACT_AFTER_MS', 60_000),
  mergeLiveEveryMs: ms('PEER_REPORT_MERGE_LIVE_EVERY_MS', 600_000),
  pgWriteConcurrency: {
    kind: numberKind({ min: 1, integer: true }),
    env: ['PEER_REPORT_PG_WRITE_CONCURRENCY'],
    default: 4,
  },
  ingestWorkers: {
    kind: numberKind({ min: 0, max: 64, integer: true }),
    env: ['PEER_REPORT_INGEST_WORKERS'],
    default: defaultIngestWorkers,
  },
  idleTimeoutMs: ms('PEER_REPORT_IDLE_TIMEOUT_MS', 10_000, 'idle-timeout-ms'),
  headersTimeoutMs: ms('PEER_REPORT_HEADERS_TIMEOUT_MS', 20_000, 'headers-timeout-ms'),
  requestTimeoutMs: ms('PEER_REPORT_REQUEST_TIMEOUT_MS', 120_000, 'request-timeout-ms'),
  keepAliveTimeoutMs: ms('PEER_REPORT_KEEP_ALIVE_TIMEOUT_MS', 5_000, 'keep-alive-timeout-ms'),
  maxConnections: {
    kind: count(),
    env: ['PEER_REPORT_MAX_CONNECTIONS'],
    flag: 'max-connections',
    default: 10_000,
  },
  ingestRatePerSecond: {
    kind: numberKind({ min: 0 }),
    env: ['PEER_REPORT_INGEST_RATE'],
    flag: 'ingest-rate',
    default: 50,
  },
  ingestBurst: {
    kind: count(),
    env: ['PEER_REPORT_INGEST_BURST'],
    flag: 'ingest-burst',
    default: 500,
  },
  joinRatePerSecond: {
    kind: numberKind({ min: 0 }),
    env: ['PEER_REPORT_JOIN_RATE'],
    flag: 'join-rate',
    default: 0.2,
  },
  joinBurst: { kind: count(), env: ['PEER_REPORT_JOIN_BURST'], flag: 'join-burst', default: 20 },
  maxLivePeersPerParticipant: {
    kind: count(),
    env: ['PEER_REPORT_MAX_LIVE_PEERS'],
    flag: 'max-live-peers',
    default: 8,
  },
  metricsToken: {
    kind: optionalTextKind({ minLength: MIN_METRICS_TOKEN_LENGTH }),
    env: ['PEER_REPORT_METRICS_TOKEN'],
    default: undefined,
    secret: true,
  },
  metricsGaugeTtlMs: ms('PEER_REPORT_METRICS_GAUGE_TTL_MS', 10_000),
  diagnosis: { kind: flagKind, env: ['PEER_REPORT_DIAGNOSIS'], default: true },
  liveDiagnosisRefreshMs: ms('PEER_REPORT_LIVE_DIAGNOSIS_REFRESH_MS', 5_000),
};

/**
 * The server's configuration: `overrides` (typed, from code), then `flags` (commander's parsed options of
 * `serve`), then `env`, then the defaults. Throws a `ConfigError` naming the first bad value's flag or variable.
 */
export function loadConfig(
  overrides: Partial<ServerConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
  flags: Record<string, unknown> = {},
): ServerConfig {
  const { webhooks, ...rest } = overrides;
  return {
    ...readSettings(SERVER_SETTINGS, { overrides: rest, flags, env }),
    webhooks: webhooks ?? loadWebhookConfig(env),
  };
}

/** Where the data is, for commands that open the store without serving (`--data`, `DATABASE_URL`, ...). */
export function loadStoreConfig(
  flags: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  return readSettings(STORE_SETTINGS, { flags, env } satisfies ConfigSources<StoreConfig>);
}

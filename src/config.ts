/**
 * Server configuration, from CLI flags and environment variables
 * (`PEER_REPORT_*`, `DATABASE_URL`). Defaults run a single server on the
 * embedded database in `./data`.
 */
import os from 'node:os';

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
  /** Whether peer reports carry the `diagnosis` (docs/diagnosis.md); `PEER_REPORT_DIAGNOSIS=0` turns it off. */
  diagnosis: boolean;
}

/** One ingest worker per core beyond the first (the event loop's), at least one, at most four. */
const DEFAULT_INGEST_WORKERS = Math.min(4, Math.max(1, os.availableParallelism() - 1));

/** Reads configuration from `env`, overridden by `overrides`. */
export function loadConfig(overrides: Partial<ServerConfig> = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const num = (v: string | undefined, d: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
  const base: ServerConfig = {
    port: num(env.PORT ?? env.PEER_REPORT_PORT, 8787),
    host: env.PEER_REPORT_HOST ?? '0.0.0.0',
    dataDir: env.PEER_REPORT_DATA ?? './data',
    databaseUrl: env.DATABASE_URL || undefined,
    trustedProxies: (env.PEER_REPORT_TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    keepFullIp: env.PEER_REPORT_KEEP_FULL_IP === '1' || env.PEER_REPORT_KEEP_FULL_IP === 'true',
    peerTimeoutMs: num(env.PEER_REPORT_PEER_TIMEOUT_MS, 30_000),
    sweepIntervalMs: num(env.PEER_REPORT_SWEEP_INTERVAL_MS, 5_000),
    maxApiBodyBytes: num(env.PEER_REPORT_MAX_API_BODY, 64 * 1024),
    maxIngestBodyBytes: num(env.PEER_REPORT_MAX_INGEST_BODY, 4 * 1024 * 1024),
    maxImportBodyBytes: num(env.PEER_REPORT_MAX_IMPORT_BODY, 64 * 1024 * 1024),
    retentionDays: num(env.PEER_REPORT_RETENTION_DAYS, 0),
    maintenanceIntervalMs: num(env.PEER_REPORT_MAINTENANCE_INTERVAL_MS, 3_600_000),
    logRequests: env.PEER_REPORT_LOG_REQUESTS === '1',
    reportCacheMb: num(env.PEER_REPORT_REPORT_CACHE_MB, 256),
    compactAfterMs: num(env.PEER_REPORT_COMPACT_AFTER_MS, 60_000),
    mergeLiveEveryMs: num(env.PEER_REPORT_MERGE_LIVE_EVERY_MS, 600_000),
    pgWriteConcurrency: Math.max(1, Math.floor(num(env.PEER_REPORT_PG_WRITE_CONCURRENCY, 4))),
    ingestWorkers: Math.max(0, Math.floor(num(env.PEER_REPORT_INGEST_WORKERS, DEFAULT_INGEST_WORKERS))),
    diagnosis: env.PEER_REPORT_DIAGNOSIS !== '0' && env.PEER_REPORT_DIAGNOSIS !== 'false',
  };
  const merged = { ...base };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return merged;
}

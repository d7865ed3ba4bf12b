/**
 * Starts a peer-report server: opens (and migrates) the database, starts the
 * HTTP listener and the peer-timeout sweeper. Returns a handle that stops all
 * of it, waiting for queued telemetry to commit.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig, type ServerConfig } from '../config.ts';
import { openStore, type Store } from '../store/open-store.ts';
import { GeoLookup } from '../geo/geo-lookup.ts';
import { BatchWriter } from '../ingest/batch-writer.ts';
import { PreparePool } from '../ingest/prepare-pool.ts';
import { CohortCache } from '../report/cohort-cache.ts';
import { LiveChunkCache } from '../store/live-chunk-cache.ts';
import { ReportCache } from '../report/report-cache.ts';
import { ParticipantTokenCache } from '../ingest/participant-token-cache.ts';
import { outageGapMs } from '../store/service-liveness.ts';
import { createHttpApp } from '../api/create-app.ts';
import type { AppContext } from '../api/context.ts';
import { RateLimiter } from '../api/rate-limiter.ts';
import { applyConnectionLimits, httpServerOptions } from './connection-limits.ts';
import { ServerMetrics } from '../metrics/server-metrics.ts';
import { startWebhooks, type RunningWebhooks } from '../webhooks/start-webhooks.ts';

/** A running server. */
export interface RunningServer {
  /** Where clients on this machine reach the server (a loopback address when bound to every interface). */
  url: string;
  /** The address and port the listener is bound to, as the OS reports it (`0.0.0.0:8787`, `[::1]:8787`). */
  boundTo: string;
  port: number;
  config: ServerConfig;
  context: AppContext;
  store: Store;
  /** Webhook delivery and live alerts of this process. */
  webhooks: RunningWebhooks;
  close(): Promise<void>;
}

/** Starts the server with `overrides` on top of the environment's configuration. */
export async function startServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = loadConfig(overrides);
  // The store gauges are read at scrape time only, once the database is open.
  const metrics = new ServerMetrics(
    {
      livePeers: () => store.maintenance.countLivePeers(),
      compactionBacklog: () =>
        store.maintenance.countCompactionBacklog(Date.now(), config.compactAfterMs),
    },
    { gaugeTtlMs: config.metricsGaugeTtlMs },
  );
  // Workers load their code while the database opens; the first batches must not wait for that.
  const preparePool = new PreparePool(config.ingestWorkers);
  const store = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    pgPoolSize: config.pgPoolSize,
    sqliteSynchronous: config.sqliteSynchronous,
    onQuery: (sql, ms) => metrics.query(sql, ms),
  }).catch(async (err: unknown) => {
    await preparePool.close();
    throw err;
  });
  const geo = new GeoLookup();
  geo.warm();
  await preparePool.ready();
  const writer = new BatchWriter(store, {
    pgWriteConcurrency: config.pgWriteConcurrency,
    pool: preparePool,
    keepFullIp: config.keepFullIp,
    observer: metrics,
  });
  const context: AppContext = {
    store,
    config,
    geo,
    writer,
    participantTokens: new ParticipantTokenCache(store),
    reportCache: new ReportCache(config.reportCacheMb * 1024 * 1024),
    liveChunks: new LiveChunkCache((config.reportCacheMb * 1024 * 1024) / 2),
    cohortCache: new CohortCache(),
    ingestLimiter: new RateLimiter(config.ingestRatePerSecond, config.ingestBurst),
    joinLimiter: new RateLimiter(config.joinRatePerSecond, config.joinBurst),
    metrics,
  };
  const app = createHttpApp(context);
  metrics.setWebhookBacklogSource(() => store.maintenance.countWebhookBacklog());
  const webhooks = await startWebhooks(
    store,
    config.webhooks,
    { onDelivery: (outcome) => metrics.webhookDelivery(outcome) },
    // The delivery thread's own connection: a few are plenty for one loop.
    {
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      pgPoolSize: Math.min(config.pgPoolSize, 4),
      sqliteSynchronous: config.sqliteSynchronous,
    },
  );

  // The service is alive from now on; silence before now may be its own downtime (store/service-liveness.ts).
  const outageGap = outageGapMs(config.sweepIntervalMs, config.peerTimeoutMs);
  await store.maintenance.markServiceAlive(Date.now(), outageGap).catch(async (err: unknown) => {
    await Promise.all([preparePool.close(), store.close()]);
    throw err;
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        serverOptions: httpServerOptions(config),
        autoCleanupIncoming: false,
      },
      () => resolve(s),
    );
    // autoCleanupIncoming: false leaves an unread body (a 413, a 401 before the body) to Node, which reads and
    // discards it to its end (bounded by the request timeout): Hono's cleanup reset such a connection after
    // 500 ms, under a client still sending, which could lose the answer.
    applyConnectionLimits(s as Server, config);
  });
  const bound = server.address() as AddressInfo;
  const port = bound.port;

  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    store.maintenance
      .markServiceAlive(Date.now(), outageGap)
      .then((resumedAt) => store.peers.closeTimedOut(Date.now(), config.peerTimeoutMs, resumedAt))
      .catch((err) => console.error('peer timeout sweep failed:', (err as Error).message))
      .then(() => store.maintenance.compactFinishedPeers(Date.now(), config.compactAfterMs))
      .then(() => store.maintenance.mergeLivePeers(Date.now(), config.mergeLiveEveryMs))
      .then(() => store.maintenance.refreshStaleRollups(Date.now()))
      .catch((err) => console.error('chunk compaction failed:', (err as Error).message))
      .finally(() => (sweeping = false));
  }, config.sweepIntervalMs);
  sweeper.unref();

  // Storage maintenance: partitions ahead (PostgreSQL) and retention, at start and hourly.
  let maintaining = false;
  const maintain = async () => {
    // A pass longer than the interval must not start a second one beside it (they would pile up).
    if (maintaining) return;
    maintaining = true;
    try {
      await store.maintenance.ensurePartitions(Date.now());
      await store.maintenance.applyRetention(Date.now(), config.retentionDays);
      await store.maintenance.applySummaryRetention(Date.now(), config.summaryRetentionDays);
    } catch (err) {
      console.error('storage maintenance failed:', (err as Error).message);
    } finally {
      maintaining = false;
    }
  };
  await maintain();
  const maintenance = setInterval(() => void maintain(), config.maintenanceIntervalMs);
  maintenance.unref();

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    boundTo: bound.family === 'IPv6' ? `[${bound.address}]:${port}` : `${bound.address}:${port}`,
    port,
    config,
    context,
    store,
    webhooks,
    async close() {
      clearInterval(sweeper);
      clearInterval(maintenance);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await writer.close();
      await webhooks.close();
      await preparePool.close();
      while (sweeping) await new Promise((r) => setTimeout(r, 10));
      await store.close();
    },
  };
}

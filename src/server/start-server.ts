/**
 * Starts a peer-report server: opens (and migrates) the database, starts the
 * HTTP listener and the peer-timeout sweeper. Returns a handle that stops all
 * of it, waiting for queued telemetry to commit.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig, type ServerConfig } from '../config.ts';
import { openDatabase, type OpenDatabase } from '../store/open-database.ts';
import { GeoLookup } from '../geo/geo-lookup.ts';
import { BatchWriter } from '../ingest/batch-writer.ts';
import { PreparePool } from '../ingest/prepare-pool.ts';
import { ReportCache } from '../report/report-cache.ts';
import { ParticipantTokenCache } from '../ingest/participant-token-cache.ts';
import { closeTimedOutPeers } from '../ingest/peer-lifecycle.ts';
import { applyRetention, ensurePartitions } from '../store/retention.ts';
import { compactFinishedPeers, mergeLivePeers } from '../store/chunk-compaction.ts';
import { refreshStaleRollups } from '../store/rollup-refresh.ts';
import { createHttpApp } from '../api/create-app.ts';
import type { AppContext } from '../api/context.ts';

/** A running server. */
export interface RunningServer {
  url: string;
  port: number;
  config: ServerConfig;
  context: AppContext;
  database: OpenDatabase;
  close(): Promise<void>;
}

/** Starts the server with `overrides` on top of the environment's configuration. */
export async function startServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = loadConfig(overrides);
  // Workers load their code while the database opens; the first batches must not wait for that.
  const preparePool = new PreparePool(config.ingestWorkers);
  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }).catch(async (err: unknown) => {
    await preparePool.close();
    throw err;
  });
  const geo = new GeoLookup();
  geo.warm();
  await preparePool.ready();
  const writer = new BatchWriter(database.db, database.dialect, { pgWriteConcurrency: config.pgWriteConcurrency, pool: preparePool, sqlite: database.sqlite });
  const context: AppContext = { db: database.db, dialect: database.dialect, config, geo, writer, participantTokens: new ParticipantTokenCache(database.db), reportCache: new ReportCache(config.reportCacheMb * 1024 * 1024) };
  const app = createHttpApp(context);

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;

  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    closeTimedOutPeers(database.db, database.dialect, Date.now(), config.peerTimeoutMs)
      .catch((err) => console.error('peer timeout sweep failed:', (err as Error).message))
      .then(() => compactFinishedPeers(database.db, database.dialect, Date.now(), config.compactAfterMs))
      .then(() => mergeLivePeers(database.db, database.dialect, Date.now(), config.mergeLiveEveryMs))
      .then(() => refreshStaleRollups(database.db, database.dialect, Date.now()))
      .catch((err) => console.error('chunk compaction failed:', (err as Error).message))
      .finally(() => (sweeping = false));
  }, config.sweepIntervalMs);
  sweeper.unref();

  // Storage maintenance: partitions ahead (PostgreSQL) and retention, at start and hourly.
  const maintain = async () => {
    try {
      await ensurePartitions(database.db, database.dialect, Date.now());
      await applyRetention(database.db, database.dialect, Date.now(), config.retentionDays);
    } catch (err) {
      console.error('storage maintenance failed:', (err as Error).message);
    }
  };
  await maintain();
  const maintenance = setInterval(() => void maintain(), config.maintenanceIntervalMs);
  maintenance.unref();

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    config,
    context,
    database,
    async close() {
      clearInterval(sweeper);
      clearInterval(maintenance);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await writer.close();
      await preparePool.close();
      while (sweeping) await new Promise((r) => setTimeout(r, 10));
      await database.close();
    },
  };
}

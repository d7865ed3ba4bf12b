/**
 * Starts a real peer-report server for a test: random port, its own temporary
 * embedded database (or, when TEST_DATABASE_URL is set, a fresh PostgreSQL
 * schema), plus a Realtime Admin token, a read-only token and an app.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';
import type { ServerConfig } from '../../src/config.ts';
import { freshPostgresUrl, dropPostgresSchema } from './postgres.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

/** A running test server with credentials. */
export interface TestServer {
  url: string;
  /** SDK baseURL (`<url>/client/v4`). */
  baseURL: string;
  accountId: string;
  /** Realtime Admin token of `accountId`. */
  token: string;
  /** Realtime (read-only) token of `accountId`. */
  readToken: string;
  /** An app created in `accountId`. */
  appId: string;
  server: RunningServer;
  dataDir: string;
  /** The PostgreSQL URL of this server's own schema (when TEST_DATABASE_URL is set), for other processes on the same store. */
  databaseUrl?: string;
  close(): Promise<void>;
}

/** Starts a server; `overrides` tweak its configuration. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-test-'));
  const pg = process.env.TEST_DATABASE_URL
    ? await freshPostgresUrl(process.env.TEST_DATABASE_URL)
    : undefined;
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: pg?.url,
    sweepIntervalMs: 200,
    // A live report's diagnosis is fresh after every batch here: tests compare reports with twins built at
    // another moment, and the production bound (recomputed at most every 5 s) would make them depend on timing.
    // The bound has its own test (test/api/diagnosis-report.test.ts).
    liveDiagnosisRefreshMs: 0,
    ...overrides,
  });
  const accountId = `acct${randomBytes(6).toString('hex')}`;
  const db = databaseOf(server.context.store).db;
  const { token } = await createApiToken(db, accountId, 'Realtime Admin', 'test admin');
  const { token: readToken } = await createApiToken(db, accountId, 'Realtime', 'test read');
  const app = await createApp(db, accountId, 'test app');
  return {
    url: server.url,
    baseURL: `${server.url}/client/v4`,
    accountId,
    token,
    readToken,
    appId: app.id,
    server,
    dataDir,
    databaseUrl: pg?.url,
    async close() {
      await server.close();
      if (pg) await dropPostgresSchema(process.env.TEST_DATABASE_URL!, pg.schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

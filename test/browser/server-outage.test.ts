/**
 * A server outage shorter than the peer timeout does not split a real call's
 * peers (issue 12, item 7): two Chromium pages in a call send telemetry to a
 * real `peer-report serve` process; the process is stopped for ~20 s mid-call
 * and started again on the same store and port. Each page stays one peer (no
 * rejoin, nothing dropped) and its samples run through the outage without a
 * gap: the collector kept sampling, retried well within the announced timeout,
 * and the server did not count its own downtime as the peers' silence.
 *
 * The peer timeout is 24 s here, so the 20 s outage plus any retry wait of
 * the old backoff (up to 16 s at that point) would have split the peers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startBrowserEnvironment, type BrowserEnvironment } from './support/environment.ts';
import { connectPeers, endCall, PeerPage } from './support/peer-page.ts';
import { createMeeting, hasLeft, waitForReport } from './support/realtimekit.ts';
import { freePort } from './support/free-port.ts';
import { spawnServerProcess, type ServerProcess } from '../support/server-process.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';

const PEER_TIMEOUT_MS = 24_000;
const OUTAGE_MS = 20_000;
const SAMPLE_INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

let env: BrowserEnvironment;
let server: ServerProcess;
let store: OpenDatabase;
let dataDir: string;
let pgSchema: string | undefined;
let serverEnv: NodeJS.ProcessEnv;
let port: number;

before(
  async () => {
    env = await startBrowserEnvironment();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-outage-'));
    const pg = process.env.TEST_DATABASE_URL
      ? await freshPostgresUrl(process.env.TEST_DATABASE_URL)
      : undefined;
    pgSchema = pg?.schema;
    serverEnv = {
      PEER_REPORT_PEER_TIMEOUT_MS: String(PEER_TIMEOUT_MS),
      PEER_REPORT_SWEEP_INTERVAL_MS: '500',
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    };
    port = await freePort();
    server = await spawnServerProcess({ dataDir, env: serverEnv, port });
    store = await openDatabase({ dataDir, databaseUrl: pg?.url });
  },
  { timeout: 120_000 },
);
after(async () => {
  await server?.stop();
  await store?.close();
  if (pgSchema) await dropPostgresSchema(process.env.TEST_DATABASE_URL!, pgSchema);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  await env?.close();
});

test(
  'the server process stopped ~20 s mid-call: one peer per page, samples without a gap',
  { timeout: 240_000 },
  async () => {
    const accountId = 'outage-account';
    const { token } = await createApiToken(store.db, accountId, 'Realtime Admin', 'outage test');
    const meeting = await createMeeting(
      { baseURL: `${server.url}/client/v4`, token, accountId },
      2,
      'outage',
    );
    const a = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    const b = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    env.defer(() => a.close());
    env.defer(() => b.close());
    // The collectors' own defaults for retries (1 s base, 30 s cap): the cap must come from the announced timeout.
    const common = {
      server: server.url,
      sampleIntervalMs: SAMPLE_INTERVAL_MS,
      batchIntervalMs: 2000,
    };
    const joinedA = await a.setup({ ...common, token: meeting.participants[0].token });
    const joinedB = await b.setup({ ...common, token: meeting.participants[1].token });
    await connectPeers(a, b);
    await until('first acknowledged batches', () => a.acks.length >= 2 && b.acks.length >= 2);

    await server.stop();
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    server = await spawnServerProcess({ dataDir, env: serverEnv, port });
    // From when the server listens again (starting a process takes a few seconds on a busy machine).
    const restartedAt = Date.now();
    const ackedAtRestart = [a.acks.length, b.acks.length];
    await until(
      'uploads to resume',
      () => a.acks.length > ackedAtRestart[0] && b.acks.length > ackedAtRestart[1],
      PEER_TIMEOUT_MS,
    );
    const resumedAfter = Date.now() - restartedAt;
    await sleep(3000);
    await endCall([a, b]);

    for (const [page, joined] of [
      [a, joinedA],
      [b, joinedB],
    ] as const) {
      assert.equal(await page.peerId(), joined.joined?.peer_id, 'the page stayed one peer');
      const stats = await page.call<{ batches_dropped: number; pending_batches: number }>('stats');
      assert.equal(stats.batches_dropped, 0);
      assert.equal(stats.pending_batches, 0);
      const report = await waitForReport(meeting, joined.joined!.peer_id, hasLeft);
      const leaveReason = (report as { leave_reason?: string }).leave_reason;
      assert.equal(leaveReason, 'call_ended', `closed by ${leaveReason}, not by a timeout`);
      assert.equal(
        (report.peer_report?.metadata?.events ?? []).some((e) => e.name === 'rejoined'),
        false,
        'no rejoin',
      );
      // No gap: consecutive samples of each track at most ~2 sample intervals apart, across the outage.
      const quality = (report.peer_report?.quality ?? {}) as Record<string, unknown>;
      for (const series of [
        'audio_producer',
        'video_producer',
        'audio_consumer',
        'video_consumer',
      ]) {
        const rows = quality[series] as { timestamp: string; track?: string }[];
        assert.ok(rows.length > 0, series);
        const byTrack = new Map<string, number[]>();
        for (const r of rows)
          byTrack.set(r.track ?? '', [
            ...(byTrack.get(r.track ?? '') ?? []),
            Date.parse(r.timestamp),
          ]);
        for (const [track, times] of byTrack) {
          const first = times[0];
          const last = times.at(-1)!;
          assert.ok(
            first < stoppedAt && last > stoppedAt + OUTAGE_MS,
            `${series} ${track} spans the outage`,
          );
          for (let i = 1; i < times.length; i++)
            assert.ok(
              times[i] - times[i - 1] <= 2.5 * SAMPLE_INTERVAL_MS,
              `${series} ${track}: a ${(times[i] - times[i - 1]) / 1000} s gap`,
            );
        }
      }
    }
    // One session, the two peers of the two pages and no other.
    const sessionId = (
      await store.db
        .selectFrom('peers')
        .select('session_id')
        .where('id', '=', joinedA.joined!.peer_id)
        .executeTakeFirstOrThrow()
    ).session_id;
    const peers = await store.db
      .selectFrom('peers')
      .select('id')
      .where('session_id', '=', sessionId)
      .execute();
    assert.deepEqual(
      peers.map((p) => p.id).sort(),
      [joinedA.joined!.peer_id, joinedB.joined!.peer_id].sort(),
    );
    // The retry cap is a sixth of the announced timeout (4 s here), plus a request's own time.
    assert.ok(
      resumedAfter < PEER_TIMEOUT_MS / 3,
      `uploads resumed ${resumedAfter} ms after the server was back`,
    );
  },
);

/**
 * Several `peer-report serve` processes on one store (PostgreSQL when
 * TEST_DATABASE_URL is set, else one shared embedded data directory), as
 * behind a load balancer: real processes, real HTTP, the official SDK.
 * - one peer's telemetry through process A and B in turn, with every batch
 *   retried concurrently through the other, gives one report, the same from
 *   either process and the same as that telemetry sent once;
 * - joins and leaves racing across processes keep one session per meeting,
 *   end it once, at the last leave, never while a peer is live;
 * - both processes sweep timeouts at once: every silent peer is closed exactly
 *   once, a peer that keeps sending is never closed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnServerProcess, type ServerProcess } from '../support/server-process.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import { sdk7 } from '../support/sdk.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';
import { syntheticBatches, samplesPerStream } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Two server processes on one fresh store, plus credentials and a direct handle on the store. */
interface Cluster {
  a: ServerProcess;
  b: ServerProcess;
  db: OpenDatabase;
  accountId: string;
  appId: string;
  token: string;
  close(): Promise<void>;
}

async function startCluster(env: NodeJS.ProcessEnv): Promise<Cluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-multi-'));
  const base = process.env.TEST_DATABASE_URL;
  const pg = base ? await freshPostgresUrl(base) : undefined;
  const full = { ...env, ...(pg ? { DATABASE_URL: pg.url } : {}) };
  // Both start at once on an empty store: the migrations race and must not collide.
  const started = await Promise.allSettled([
    spawnServerProcess({ dataDir, env: full }),
    spawnServerProcess({ dataDir, env: full }),
  ]);
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    throw failure.reason;
  }
  const [a, b] = started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
  const db = await openDatabase({ dataDir, databaseUrl: pg?.url });
  const accountId = `acct${randomBytes(6).toString('hex')}`;
  const { token } = await createApiToken(db.db, accountId, 'Realtime Admin');
  const app = await createApp(db.db, accountId, 'multi-process');
  return {
    a,
    b,
    db,
    accountId,
    appId: app.id,
    token,
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await db.close();
      if (pg) await dropPostgresSchema(base!, pg.schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function post(
  url: string,
  token: string,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Creates a meeting and `n` participants through `server`, returning their tokens. */
async function meetingWith(
  c: Cluster,
  server: ServerProcess,
  n: number,
): Promise<{ meetingId: string; tokens: string[] }> {
  const cf = sdk7(`${server.url}/client/v4`, c.token);
  const meeting = await cf.realtimeKit.meetings.create(c.appId, {
    account_id: c.accountId,
    title: 'multi-process',
  });
  const meetingId = meeting.data!.id!;
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = await cf.realtimeKit.meetings.addParticipant(meetingId, {
      account_id: c.accountId,
      app_id: c.appId,
      custom_participant_id: `user-${i}`,
      preset_name: 'host',
      name: `User ${i}`,
    });
    tokens.push(p.data!.token!);
  }
  return { meetingId, tokens };
}

async function join(
  server: ServerProcess,
  token: string,
  joinedAt: number,
): Promise<{ peerId: string; sessionId: string }> {
  const r = await post(`${server.url}/ingest/v1/join`, token, {
    joined_at: joinedAt,
    client: { user_agent: UA },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { peerId: r.body.data.peer_id, sessionId: r.body.data.session_id };
}

async function report(c: Cluster, server: ServerProcess, peerId: string) {
  const cf = sdk7(`${server.url}/client/v4`, c.token);
  return (
    await cf.realtimeKit.sessions.getParticipantDataFromPeerID(peerId, {
      account_id: c.accountId,
      app_id: c.appId,
    })
  ).data!.participant!;
}

async function sessionRow(c: Cluster, sessionId: string) {
  return c.db.db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', sessionId)
    .executeTakeFirstOrThrow();
}

async function peerRows(c: Cluster, sessionId: string) {
  return c.db.db
    .selectFrom('peers')
    .select(['id', 'status', 'joined_at', 'left_at', 'last_seen_at', 'leave_reason'])
    .where('session_id', '=', sessionId)
    .execute();
}

/** minutes_consumed must be each closed peer counted once. */
function expectedMinutes(peers: { left_at: number | null; joined_at: number }[]): number {
  return peers.reduce(
    (sum, p) => sum + (p.left_at === null ? 0 : (Number(p.left_at) - Number(p.joined_at)) / 60_000),
    0,
  );
}

describe('two server processes, one store', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ PEER_REPORT_PEER_TIMEOUT_MS: '600000' });
  });
  after(() => c?.close());

  test("a peer's batches through A and B in turn, each retried at once through the other, make one report, the same from both", async () => {
    const { tokens } = await meetingWith(c, c.a, 2);
    const startMs = Date.now() - 3 * 60_000;
    const minutes = 2;
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES['lossy-wifi'],
        startMs,
        minutes,
        seed: 7,
        batchIdPrefix: 'split-batch-',
      }),
    ];
    const split = await join(c.b, tokens[0], startMs);
    const control = await join(c.a, tokens[1], startMs);
    assert.equal(split.sessionId, control.sessionId);

    const servers = [c.a, c.b];
    let stored = 0;
    let duplicates = 0;
    for (const [k, batch] of batches.entries()) {
      // The batch goes to one process and, at the same moment, its retry to the other.
      const first = servers[k % 2];
      const retry = servers[(k + 1) % 2];
      const answers = await Promise.all(
        [first, retry].map((s) =>
          post(`${s.url}/ingest/v1/peers/${split.peerId}/batches`, tokens[0], batch),
        ),
      );
      for (const r of answers) {
        assert.equal(r.status, 200, JSON.stringify(r.body));
        if (r.body.data.duplicate) duplicates++;
        else stored++;
      }
      const once = await post(
        `${c.a.url}/ingest/v1/peers/${control.peerId}/batches`,
        tokens[1],
        batch,
      );
      assert.equal(once.status, 200);
    }
    assert.equal(stored, batches.length, 'each batch stored exactly once');
    assert.equal(duplicates, batches.length, 'each retry acknowledged as a duplicate');
    const end = startMs + minutes * 60_000;
    assert.equal(
      (await post(`${c.b.url}/ingest/v1/peers/${split.peerId}/leave`, tokens[0], { ts: end }))
        .status,
      200,
    );
    assert.equal(
      (await post(`${c.a.url}/ingest/v1/peers/${control.peerId}/leave`, tokens[1], { ts: end }))
        .status,
      200,
    );

    const fromA = await report(c, c.a, split.peerId);
    const fromB = await report(c, c.b, split.peerId);
    assert.deepEqual(fromA, fromB, 'both processes serve the same report');
    const reference = await report(c, c.b, control.peerId);
    assert.equal(fromA.peer_report!.quality!.audio_producer!.length, samplesPerStream(minutes));
    assert.deepEqual(
      fromA.peer_report!.quality,
      reference.peer_report!.quality,
      'the same as the telemetry sent once',
    );
    // quality_stats is in the 6.x typings (and the wire), not the 7.x ones.
    const stats = (p: object) => (p as { quality_stats: Record<string, unknown> }).quality_stats;
    assert.deepEqual(stats(fromA), { ...stats(reference), peer_ids: stats(fromA).peer_ids });
  });

  test('joins and leaves racing across processes: one session, live while any peer is, ended once at the last leave', async () => {
    const n = 8;
    const { meetingId, tokens } = await meetingWith(c, c.b, n);
    const startMs = Date.now() - 60_000;
    const peers = await Promise.all(
      tokens.map((tok, i) => join(i % 2 ? c.a : c.b, tok, startMs + i * 1000)),
    );
    const sessionId = peers[0].sessionId;
    assert.ok(
      peers.every((p) => p.sessionId === sessionId),
      'every concurrent join lands in the same session',
    );
    const live = await sessionRow(c, sessionId);
    assert.equal(live.status, 'LIVE');
    assert.equal(Number(live.live_participants), n);
    assert.equal(Number(live.max_concurrent_participants), n);

    // Everyone but the last leaves at once through both processes, while the last keeps sending.
    const keeper = n - 1;
    const [keeperBatch] = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs,
        minutes: 0.5,
        seed: 3,
        batchIdPrefix: 'keeper-batch-',
      }),
    ];
    const [sent] = await Promise.all([
      post(
        `${c.a.url}/ingest/v1/peers/${peers[keeper].peerId}/batches`,
        tokens[keeper],
        keeperBatch,
      ),
      ...peers
        .slice(0, keeper)
        .map((p, i) =>
          post(`${(i % 2 ? c.b : c.a).url}/ingest/v1/peers/${p.peerId}/leave`, tokens[i], {}),
        ),
    ]);
    assert.equal(sent.status, 200);
    const stillLive = await sessionRow(c, sessionId);
    assert.equal(stillLive.status, 'LIVE', 'a session never ends while a peer is live');
    assert.equal(Number(stillLive.live_participants), 1);

    assert.equal(
      (await post(`${c.b.url}/ingest/v1/peers/${peers[keeper].peerId}/leave`, tokens[keeper], {}))
        .status,
      200,
    );
    const ended = await sessionRow(c, sessionId);
    const rows = await peerRows(c, sessionId);
    assert.equal(ended.status, 'ENDED');
    assert.equal(Number(ended.live_participants), 0);
    assert.equal(Number(ended.ended_at), Math.max(...rows.map((p) => Number(p.left_at))));
    assert.ok(
      Math.abs(Number(ended.minutes_consumed) - expectedMinutes(rows)) < 1e-6,
      'each peer counted once',
    );
    const sessions = await c.db.db
      .selectFrom('sessions')
      .select('id')
      .where('meeting_id', '=', meetingId)
      .execute();
    assert.equal(sessions.length, 1);
  });

  test('a join racing the last leave never lands in an ended session', async () => {
    const rounds = 12;
    const { meetingId, tokens } = await meetingWith(c, c.a, 2 * rounds);
    for (let r = 0; r < rounds; r++) {
      const [leaverToken, joinerToken] = [tokens[2 * r], tokens[2 * r + 1]];
      const leaver = await join(c.a, leaverToken, Date.now() - 10_000);
      const [, joiner] = await Promise.all([
        post(`${(r % 2 ? c.a : c.b).url}/ingest/v1/peers/${leaver.peerId}/leave`, leaverToken, {}),
        join(r % 2 ? c.b : c.a, joinerToken, Date.now()),
      ]);
      const s = await sessionRow(c, joiner.sessionId);
      assert.equal(s.status, 'LIVE', `round ${r}: the joiner's session is live`);
      assert.equal(Number(s.live_participants), 1, `round ${r}`);
      assert.equal(
        (await post(`${c.b.url}/ingest/v1/peers/${joiner.peerId}/leave`, joinerToken, {})).status,
        200,
      );
    }
    const live = await c.db.db
      .selectFrom('sessions')
      .select('id')
      .where('meeting_id', '=', meetingId)
      .where('status', '=', 'LIVE')
      .execute();
    assert.equal(live.length, 0);
  });
});

describe('two processes sweeping timeouts at once', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({
      PEER_REPORT_PEER_TIMEOUT_MS: '3000',
      PEER_REPORT_SWEEP_INTERVAL_MS: '100',
    });
  });
  after(() => c?.close());

  test('every silent peer is closed exactly once; a peer that keeps sending stays live', async () => {
    const n = 6;
    const { tokens } = await meetingWith(c, c.a, n);
    const startMs = Date.now() - 20_000;
    const peers = await Promise.all(tokens.map((tok, i) => join(i % 2 ? c.a : c.b, tok, startMs)));
    const sessionId = peers[0].sessionId;
    assert.ok(
      peers.every((p) => p.sessionId === sessionId),
      'peers.every((p) => p.sessionId === sessionId)',
    );
    const active = n - 1;
    const batches: TelemetryBatch[] = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs,
        minutes: 1,
        batchSeconds: 2,
        seed: 5,
        batchIdPrefix: 'active-batch-',
      }),
    ];
    // The active peer sends every 300 ms, alternating processes, for 7.5 s (two and a half timeouts).
    for (let k = 0; k < 25; k++) {
      const r = await post(
        `${(k % 2 ? c.a : c.b).url}/ingest/v1/peers/${peers[active].peerId}/batches`,
        tokens[active],
        batches[k],
      );
      assert.equal(r.status, 200, `batch ${k}: ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 300));
    }
    let rows = await peerRows(c, sessionId);
    const silent = rows.filter((p) => p.id !== peers[active].peerId);
    assert.ok(
      silent.every((p) => p.status === 'left' && p.leave_reason === 'timeout'),
      JSON.stringify(silent),
    );
    assert.ok(
      silent.every((p) => Number(p.left_at) === Number(p.last_seen_at)),
      'closed at the last time it was heard from',
    );
    assert.equal(rows.find((p) => p.id === peers[active].peerId)!.status, 'live');
    let s = await sessionRow(c, sessionId);
    assert.equal(s.status, 'LIVE');
    assert.ok(
      Math.abs(Number(s.minutes_consumed) - expectedMinutes(rows)) < 1e-6,
      'each timed-out peer counted once',
    );

    // The active peer goes silent: it times out too, and the session ends at its last sign of life.
    const deadline = Date.now() + 20_000;
    do {
      await new Promise((res) => setTimeout(res, 200));
      s = await sessionRow(c, sessionId);
    } while (s.status === 'LIVE' && Date.now() < deadline);
    rows = await peerRows(c, sessionId);
    assert.equal(s.status, 'ENDED');
    assert.ok(
      rows.every((p) => p.status === 'left' && p.leave_reason === 'timeout'),
      "rows.every((p) => p.status === 'left' && p.leave_reason === 'timeout')",
    );
    assert.equal(Number(s.ended_at), Math.max(...rows.map((p) => Number(p.left_at))));
    assert.ok(
      Math.abs(Number(s.minutes_consumed) - expectedMinutes(rows)) < 1e-6,
      'each peer counted once',
    );
    // A batch after the timeout is refused (the client must rejoin), by either process.
    for (const server of [c.a, c.b]) {
      const late = await post(
        `${server.url}/ingest/v1/peers/${peers[active].peerId}/batches`,
        tokens[active],
        batches[28],
      );
      assert.equal(late.status, 409);
    }
  });
});

/**
 * A server outage must not split peers (issue 12, item 7). The server never
 * times a peer out for silence that overlaps its own downtime: after a
 * restart on the same store, a peer silent for longer than the timeout (all
 * of it while the server was down) is still live and takes its next batch.
 * The liveness mark is shared by the processes of one store, so a process
 * restarting while another ran does not count as an outage. A rejoin after a
 * real timeout that ended the session continues that session.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import type { ServerConfig } from '../../src/config.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';
import { markServiceAlive } from '../../src/store/service-liveness.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import { postJson } from '../support/post-json.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const TIMEOUT_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let config: Partial<ServerConfig>;
let server: RunningServer;
let pgSchema: string | undefined;
let token: string;
let appId: string;

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-outage-'));
  const pg = process.env.TEST_DATABASE_URL
    ? await freshPostgresUrl(process.env.TEST_DATABASE_URL)
    : undefined;
  pgSchema = pg?.schema;
  config = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: pg?.url,
    sweepIntervalMs: 100,
    peerTimeoutMs: TIMEOUT_MS,
  };
  server = await startServer(config);
  token = (
    await createApiToken(
      databaseOf(server.context.store).db,
      'outage-account',
      'Realtime Admin',
      'test',
    )
  ).token;
  appId = (await createApp(databaseOf(server.context.store).db, 'outage-account', 'outage app')).id;
});
after(async () => {
  await server.close();
  if (pgSchema) await dropPostgresSchema(process.env.TEST_DATABASE_URL!, pgSchema);
  fs.rmSync(config.dataDir!, { recursive: true, force: true });
});

async function participantToken(name: string): Promise<string> {
  const api = `${server.url}/client/v4/accounts/outage-account/realtime/kit/${appId}`;
  const meeting = await postJson(`${api}/meetings`, token, { title: name });
  return (
    await postJson(`${api}/meetings/${meeting.id}/participants`, token, {
      custom_participant_id: name,
      preset_name: 'host',
      name,
    })
  ).token as string;
}

async function postBatch(peerId: string, ptoken: string, batch: unknown): Promise<number> {
  const res = await fetch(`${server.url}/ingest/v1/peers/${peerId}/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ptoken}`, 'content-type': 'application/json' },
    body: JSON.stringify(batch),
  });
  await res.arrayBuffer();
  return res.status;
}

async function peerRow(peerId: string) {
  return databaseOf(server.context.store)
    .db.selectFrom('peers')
    .select(['status', 'session_id', 'leave_reason'])
    .where('id', '=', peerId)
    .executeTakeFirstOrThrow();
}

describe('server outages', () => {
  test('silence that overlaps the server downtime never times a peer out: one peer, its next batch stored', async () => {
    const ptoken = await participantToken('outage');
    const [b1, b2, b3] = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs: Date.now() - 20_000,
        minutes: 0.5,
        seed: 7,
        batchIdPrefix: randomUUID(),
      }),
    ];
    const joined = await postJson(`${server.url}/ingest/v1/join`, ptoken, {});
    assert.equal(await postBatch(joined.peer_id, ptoken, b1), 200);
    // The server is down for longer than the peer timeout.
    await server.close();
    await sleep(TIMEOUT_MS + 1000);
    server = await startServer(config);
    // Several sweeps run before the collector's retry gets through.
    await sleep(TIMEOUT_MS / 2);
    assert.equal(
      (await peerRow(joined.peer_id)).status,
      'live',
      'the peer was timed out for the server downtime',
    );
    assert.equal(await postBatch(joined.peer_id, ptoken, b2), 200);
    assert.equal(await postBatch(joined.peer_id, ptoken, b3), 200);
    // Silence after the restart still counts: the peer times out once it is silent for the timeout.
    for (let i = 0; i < 40 && (await peerRow(joined.peer_id)).status === 'live'; i++)
      await sleep(100);
    const row = await peerRow(joined.peer_id);
    assert.equal(row.status, 'left');
    assert.equal(row.leave_reason, 'timeout');
  });

  test('the liveness mark: a gap without any process is an outage, a fresh mark (another process alive) is not', async () => {
    const db = databaseOf(server.context.store).db;
    const now = Date.now() + 10_000;
    const resumed = await markServiceAlive(db, now, 600);
    assert.equal(resumed, now, 'more than the gap since the last mark: the service resumes now');
    assert.equal(
      await markServiceAlive(db, now + 500, 600),
      now,
      'another process marked it 500 ms ago: no outage',
    );
    assert.equal(
      await markServiceAlive(db, now + 400, 600),
      now,
      'a mark older than the stored one changes nothing',
    );
    assert.equal(await markServiceAlive(db, now + 1200, 600), now + 1200);
  });

  test('a rejoin after a timeout that ended the session continues that session', async () => {
    const ptoken = await participantToken('long-cut');
    const first = await postJson(`${server.url}/ingest/v1/join`, ptoken, {});
    // The mark of the previous test lies in the future: restart the clock of the sweeper's grace.
    await databaseOf(server.context.store)
      .db.updateTable('service_liveness')
      .set({ alive_at: Date.now(), resumed_at: 0 })
      .execute();
    for (let i = 0; i < 60 && (await peerRow(first.peer_id)).status === 'live'; i++)
      await sleep(100);
    assert.equal((await peerRow(first.peer_id)).status, 'left');
    const ended = await databaseOf(server.context.store)
      .db.selectFrom('sessions')
      .select(['status'])
      .where('id', '=', first.session_id)
      .executeTakeFirstOrThrow();
    assert.equal(ended.status, 'ENDED');
    const again = await postJson(`${server.url}/ingest/v1/join`, ptoken, {
      previous_peer_id: first.peer_id,
    });
    assert.equal(again.session_id, first.session_id, 'the rejoin landed in a new session');
    const session = await databaseOf(server.context.store)
      .db.selectFrom('sessions')
      .select(['status', 'ended_at'])
      .where('id', '=', first.session_id)
      .executeTakeFirstOrThrow();
    assert.equal(session.status, 'LIVE');
    assert.equal(session.ended_at, null);
    // A join that is not a rejoin still finds the live session; once it ends, a plain join starts a new one.
    await postJson(`${server.url}/ingest/v1/peers/${again.peer_id}/leave`, ptoken, {});
    const fresh = await postJson(`${server.url}/ingest/v1/join`, ptoken, {});
    assert.notEqual(fresh.session_id, first.session_id);
  });
});

/**
 * Out-of-order batches across two server processes on one store (issue 11
 * item 6, with the multi-process rules of ARCHITECTURE.md): late batches and
 * their retries sent at once through both processes, while newer batches
 * arrive too, are each stored once, in their gap, and the report, from either
 * process, equals the one the batches make in order through one process.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { spawnServerProcess, type ServerProcess } from '../support/server-process.ts';
import { postJson } from '../support/post-json.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

let t: TestServer;
let b: ServerProcess;
before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000 });
  b = await spawnServerProcess({
    dataDir: t.dataDir,
    env: { DATABASE_URL: t.databaseUrl ?? '', PEER_REPORT_PEER_TIMEOUT_MS: '600000' },
  });
});
after(async () => {
  await b?.stop();
  await t?.close();
});

const startMs = Date.now() - 5 * 60_000;

async function newPeer(label: string): Promise<{ peerId: string; token: string }> {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: label });
  const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: label,
    preset_name: 'host',
    name: label,
  });
  const j = await postJson(`${t.url}/ingest/v1/join`, p.token, { joined_at: startMs });
  return { peerId: j.peer_id, token: p.token };
}

async function quality(baseUrl: string, peerId: string): Promise<string> {
  const res = await fetch(
    `${baseUrl}/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}?filters=quality_stats`,
    { headers: { authorization: `Bearer ${t.token}` } },
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    data: { participant: { peer_report: { quality: unknown } } };
  };
  return JSON.stringify(body.data.participant.peer_report.quality);
}

test('late batches and their retries, through two processes at once, are stored once each, in place', async () => {
  const batches = (label: string): TelemetryBatch[] => [
    ...syntheticBatches({
      profile: CALL_PROFILES['congested-4g'],
      startMs,
      minutes: 2,
      seed: 5,
      batchIdPrefix: `${label}-batch-`,
    }),
  ];
  const reference = await newPeer('reference');
  for (const batch of batches('reference'))
    await postJson(`${t.url}/ingest/v1/peers/${reference.peerId}/batches`, reference.token, batch);

  const peer = await newPeer('racing');
  const list = batches('racing');
  const via = (url: string, batch: TelemetryBatch) =>
    postJson(`${url}/ingest/v1/peers/${peer.peerId}/batches`, peer.token, batch);
  await via(t.url, list[0]);
  await via(b.url, list[3]);
  await via(t.url, list[6]);
  // Two late batches (different gaps), each sent through both processes at once, with a newer batch racing them.
  const answers = await Promise.all([
    via(t.url, list[1]),
    via(b.url, list[1]),
    via(b.url, list[4]),
    via(t.url, list[4]),
    via(b.url, list[7]),
  ]);
  for (const i of [0, 2])
    assert.deepEqual(
      [answers[i].duplicate, answers[i + 1].duplicate].sort(),
      [false, true],
      'one of the two copies is stored',
    );
  await Promise.all([
    via(t.url, list[2]),
    via(b.url, list[5]),
    via(t.url, list[9]),
    via(b.url, list[8]),
  ]);
  for (const i of [10, 11]) await via(i % 2 ? t.url : b.url, list[i]);

  const expected = await quality(t.url, reference.peerId);
  assert.equal(await quality(t.url, peer.peerId), expected);
  assert.equal(await quality(b.url, peer.peerId), expected);
});

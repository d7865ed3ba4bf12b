/**
 * Every per-sample array of the report is in time order (issue 12, item 9),
 * through the real ingest API and store: a peer whose page reloaded (a second
 * connection after the first, its stream keys sorting before the first's) and
 * a peer receiving two remote participants at once (an SFU call).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { postJson } from '../support/post-json.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000 });
});
after(() => t.close());

async function joinedPeer(name: string): Promise<{ token: string; peerId: string }> {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: name });
  const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: name,
    preset_name: 'host',
    name,
  });
  const j = await postJson(`${t.url}/ingest/v1/join`, p.token, { joined_at: Date.now() - 120_000 });
  return { token: p.token, peerId: j.peer_id };
}

function renamePcs(batch: TelemetryBatch, suffix: string): TelemetryBatch {
  return { ...batch, samples: batch.samples?.map((s) => ({ ...s, pc: `${s.pc}-${suffix}` })) };
}

async function assertArraysInTimeOrder(peerId: string, expectMixed: string[]): Promise<void> {
  const r = await sdk7(t.baseURL, t.readToken).realtimeKit.sessions.getParticipantDataFromPeerID(
    peerId,
    { account_id: t.accountId, app_id: t.appId, filters: 'quality_stats' },
  );
  const quality = r.data!.participant!.peer_report!.quality! as Record<string, unknown>;
  for (const [key, value] of Object.entries(quality)) {
    if (key.endsWith('_cumulative') || !Array.isArray(value)) continue;
    const times = (value as { timestamp: string }[]).map((row) => Date.parse(row.timestamp));
    for (let i = 1; i < times.length; i++)
      assert.ok(
        times[i - 1] <= times[i],
        `${key}[${i}] goes back ${(times[i - 1] - times[i]) / 1000} s`,
      );
  }
  for (const key of expectMixed)
    assert.ok(
      new Set((quality[key] as { ssrc: number }[]).map((row) => row.ssrc)).size >= 2,
      `${key} mixes two tracks`,
    );
}

test('a reload: the second connection follows the first in every array', async () => {
  const { token, peerId } = await joinedPeer('reload');
  const start = Date.now() - 100_000;
  const first = [
    ...syntheticBatches({
      profile: CALL_PROFILES.clean,
      startMs: start,
      minutes: 0.5,
      seed: 1,
      batchIdPrefix: randomUUID(),
    }),
  ].map((b) => renamePcs(b, 'z1'));
  const second = [
    ...syntheticBatches({
      profile: CALL_PROFILES.clean,
      startMs: start + 32_000,
      minutes: 0.5,
      seed: 2,
      batchIdPrefix: randomUUID(),
    }),
  ].map((b) => renamePcs(b, 'a2'));
  for (const b of [...first, ...second])
    await postJson(`${t.url}/ingest/v1/peers/${peerId}/batches`, token, b);
  await assertArraysInTimeOrder(peerId, []);
});

test('an SFU call: two remote participants received at once', async () => {
  const { token, peerId } = await joinedPeer('sfu');
  const batches = [
    ...syntheticBatches({
      profile: CALL_PROFILES['lossy-wifi'],
      startMs: Date.now() - 90_000,
      minutes: 1,
      seed: 3,
      remotePeerIds: ['remote-a', 'remote-b'],
      batchIdPrefix: randomUUID(),
    }),
  ];
  for (const b of batches) await postJson(`${t.url}/ingest/v1/peers/${peerId}/batches`, token, b);
  await assertArraysInTimeOrder(peerId, ['audio_consumer', 'video_consumer']);
  // The per-track grouping (issue 12 item 10a): every row names its track, and quality_stats lists the tracks.
  const r = await sdk7(t.baseURL, t.readToken).realtimeKit.sessions.getParticipantDataFromPeerID(
    peerId,
    { account_id: t.accountId, app_id: t.appId, filters: 'quality_stats' },
  );
  const participant = r.data!.participant! as Record<string, any>;
  const tracks = (
    participant.quality_stats.tracks as {
      series: string;
      track: string;
      ssrc: number;
      sample_count: number;
    }[]
  ).filter((x) => x.series === 'video_consumer');
  assert.equal(tracks.length, 2);
  const rows = participant.peer_report.quality.video_consumer as {
    track: string;
    ssrc: number;
    peer_id: string;
  }[];
  for (const track of tracks) {
    const mine = rows.filter((row) => row.track === track.track);
    assert.equal(mine.length, track.sample_count);
    assert.ok(
      mine.every((row) => row.ssrc === track.ssrc),
      'mine.every((row) => row.ssrc === track.ssrc)',
    );
    assert.equal(new Set(mine.map((row) => row.peer_id)).size, 1, 'one remote peer per track');
  }
});

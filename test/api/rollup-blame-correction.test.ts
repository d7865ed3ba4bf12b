/**
 * Blame moves the fleet rollup end to end, through the real HTTP server on the store TEST_DATABASE_URL selects
 * (embedded otherwise): peer A of a two-peer call stops receiving B's audio for 40 s. While B has sent nothing,
 * A's side alone cannot tell a muted sender from lost media, so A finishes `good` and the analytics quality API
 * counts one good peer. Then B sends its telemetry (its microphone was sending all along), leaves and is compacted:
 * blame makes A's silence a `bad` no-media issue, A's report says so, and the analytics API's verdict shares move
 * (one good, one bad: without the correction they would read two good).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  joinPeer,
  leavePeer,
  meetingWithParticipants,
  sendBatch,
} from '../support/meeting-traffic.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { compactPeerChunks } from '../../src/store/chunk-compaction.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ compactAfterMs: 3_600_000, peerTimeoutMs: 600_000 });
});
after(() => t.close());

const kit = () => `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;

async function getJson(path: string): Promise<any> {
  const res = await fetch(`${kit()}${path}`, { headers: { authorization: `Bearer ${t.token}` } });
  assert.equal(res.status, 200, path);
  return res.json();
}

/** Counters of a received audio stream, frozen over [from, to): nothing arrived then. */
const AUDIO_COUNTERS = [
  'packets',
  'bytes',
  'packets_lost',
  'jitter_buffer_delay_s',
  'jitter_buffer_emitted_count',
  'concealment_events',
  'total_samples_received',
] as const;

function silenceReceivedAudio(batches: TelemetryBatch[], from: number, to: number): void {
  const skipped: Record<string, number> = {};
  const last: Record<string, number> = {};
  for (const b of batches)
    for (const s of b.samples ?? []) {
      if (s.direction !== 'consumer' || s.media !== 'audio') continue;
      const rec = s as unknown as Record<string, number>;
      for (const f of AUDIO_COUNTERS) {
        if (rec[f] === undefined) continue;
        if (s.ts >= from && s.ts < to && last[f] !== undefined) skipped[f] = rec[f] - last[f];
        rec[f] -= skipped[f] ?? 0;
        last[f] = rec[f];
      }
    }
}

test("another peer's later report changes an earlier peer's verdict, and the analytics quality API follows", async () => {
  const { db, dialect } = databaseOf(t.server.context.store);
  const { participants } = await meetingWithParticipants(t, 2, 'blame');
  const [pa, pb] = participants;
  const a = await joinPeer(t.url, pa);
  const b = await joinPeer(t.url, pb);
  const startMs = Date.now() - 150_000;
  const batchesOf = (remote: string, seed: number) => [
    ...syntheticBatches({
      profile: CALL_PROFILES.clean,
      startMs,
      minutes: 2,
      seed,
      remotePeerIds: [remote],
      batchIdPrefix: `${remote}-${seed}-`,
    }),
  ];
  const aBatches = batchesOf(b, 1);
  silenceReceivedAudio(aBatches, startMs + 40_000, startMs + 80_000);
  for (const batch of aBatches) await sendBatch(t.url, pa, a, batch);
  await leavePeer(t.url, pa, a);
  await compactPeerChunks(db, dialect, a, Date.now());

  const day = new Date().toISOString().slice(0, 10);
  const range = `start_date=${day}&end_date=${day}`;
  const report = async (peerId: string) =>
    (await getJson(`/sessions/peer-report/${peerId}`)).data.participant.diagnosis;
  const overall = async () =>
    (await getJson(`/analytics/quality?${range}&group_by=day`)).data.overall;

  const before = await report(a);
  assert.equal(
    before.verdict,
    'good',
    `A alone: a silent stream is not raised (${before.summary})`,
  );
  const first = await overall();

  // B: its microphone was sending all along.
  for (const batch of batchesOf(a, 2)) await sendBatch(t.url, pb, b, batch);
  await leavePeer(t.url, pb, b);
  await compactPeerChunks(db, dialect, b, Date.now());

  const afterB = await report(a);
  assert.equal(afterB.verdict, 'bad', `A after B's report: ${afterB.summary}`);
  const noMedia = afterB.issues.filter((i: any) => i.kind === 'no_media_received');
  assert.equal(noMedia.length, 1, 'one no-media issue');
  assert.equal(noMedia[0].attribution.peer_id, b, 'blamed on the path from B, who was sending');
  assert.equal((await report(b)).verdict, 'good', 'B itself is good');
  const second = await overall();
  assert.equal(second.peers, first.peers + 1, 'B counted');
  assert.deepEqual(
    second.verdicts,
    { good: 0.5, fair: 0, poor: 0, bad: 0.5 },
    'A moved from good to bad',
  );
  assert.deepEqual(first.verdicts, { good: 1, fair: 0, poor: 0, bad: 0 }, 'A counted good first');
  assert.deepEqual(first.top_issues, [], 'no issue counted first');
  assert.deepEqual(
    second.top_issues,
    [{ kind: 'no_media_received', peers: 1 }],
    "A's new issue counted",
  );
});

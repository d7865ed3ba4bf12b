/**
 * The same stored data always gives the same report bytes: every list in the
 * report has a total order, ties broken by a key (peers that joined at the
 * same instant by id, candidate pairs sampled at the same instant by pc and
 * pair id). Found when a compacted report differed from its uncompacted self
 * on PostgreSQL only in the order of `quality_stats.peer_ids`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { postJson } from '../support/post-json.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000 });
});
after(() => t.close());

test('peers that joined at the same instant, and pairs sampled at the same instant, come in key order', async () => {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: 'ties' });
  const joinedAt = Date.now() - 60_000;
  const peers: { peerId: string; token: string }[] = [];
  for (let i = 0; i < 6; i++) {
    const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
      custom_participant_id: `tie-${i}`,
      preset_name: 'host',
      name: `Tie ${i}`,
    });
    const j = await postJson(`${t.url}/ingest/v1/join`, p.token, { joined_at: joinedAt });
    peers.push({ peerId: j.peer_id, token: p.token });
  }
  // Three transports sampled at one instant, stored in an order that is not the key order.
  const ts = joinedAt + 10_000;
  await postJson(`${t.url}/ingest/v1/peers/${peers[0].peerId}/batches`, peers[0].token, {
    batch_id: `batch-${randomUUID()}`,
    candidate_pairs: ['pc-c', 'pc-a', 'pc-b'].map((pc) => ({
      ts,
      pc,
      id: `${pc}-pair`,
      state: 'succeeded',
      selected: true,
    })),
  });

  const report = await sdk7(t.baseURL, t.token).realtimeKit.sessions.getParticipantDataFromPeerID(
    peers[0].peerId,
    { account_id: t.accountId, app_id: t.appId },
  );
  const participant = report.data!.participant! as Record<string, any>;
  assert.deepEqual(participant.quality_stats.peer_ids, peers.map((p) => p.peerId).sort());
  // Transports that never carried media are listed on both sides.
  const pcs = (
    participant.peer_report.metadata.candidate_pairs.producing_transport as { pc: string }[]
  ).map((p) => p.pc);
  assert.deepEqual(pcs, ['pc-a', 'pc-b', 'pc-c']);
});

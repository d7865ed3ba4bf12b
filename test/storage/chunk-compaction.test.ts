/**
 * Compaction of finished peers' quality chunks, on the backend TEST_DATABASE_URL
 * selects: one chunk per stream afterwards, the report byte-for-byte the same,
 * live peers untouched, and concurrent compactions of one peer merge it once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation } from '../../src/simulate/simulate-run.ts';
import { compactFinishedPeers, compactPeerChunks } from '../../src/store/chunk-compaction.ts';

let t: TestServer;
before(async () => {
  // No report cache (every read is assembled from the store); no compaction by the server itself.
  t = await startTestServer({ reportCacheMb: 0, peerTimeoutMs: 600_000, compactAfterMs: 3_600_000 });
});
after(() => t.close());

async function reportText(peerId: string): Promise<string> {
  const res = await fetch(`${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}?include_peer_events=true`, {
    headers: { authorization: `Bearer ${t.token}` },
  });
  assert.equal(res.status, 200);
  return res.text();
}

async function chunkCount(peerId: string): Promise<{ chunks: number; streams: number }> {
  const rows = await t.server.context.db.selectFrom('quality_chunks').select(['series', 'stream_key']).where('peer_id', '=', peerId).execute();
  return { chunks: rows.length, streams: new Set(rows.map((r) => `${r.series}|${r.stream_key}`)).size };
}

describe('chunk compaction', () => {
  test("a finished peer's chunks become one per stream and its report stays byte-for-byte the same", async () => {
    const [a, b] = await runSimulation({ url: t.url, token: t.token, accountId: t.accountId, appId: t.appId, profile: 'lossy-wifi', minutes: 3, peers: 2, seed: 11 });
    const before = { a: await reportText(a.peerId), b: await reportText(b.peerId) };
    const counts = await chunkCount(a.peerId);
    assert.ok(counts.chunks > counts.streams, `several chunks per stream before (${counts.chunks} for ${counts.streams} streams)`);

    const { db, dialect } = t.server.context;
    const done = await compactFinishedPeers(db, dialect, Date.now(), 0, 1000);
    assert.ok(done.includes(a.peerId) && done.includes(b.peerId));
    const after = await chunkCount(a.peerId);
    assert.deepEqual(after, { chunks: counts.streams, streams: counts.streams });
    assert.equal(await reportText(a.peerId), before.a);
    assert.equal(await reportText(b.peerId), before.b);
    // Each peer once.
    assert.deepEqual(await compactFinishedPeers(db, dialect, Date.now(), 0, 1000), []);
  });

  test('a live peer is left alone; a peer that left less than the delay ago waits', async () => {
    const [live] = await runSimulation({ url: t.url, token: t.token, accountId: t.accountId, appId: t.appId, profile: 'clean', minutes: 1, peers: 1, seed: 12, leave: false });
    const { db, dialect } = t.server.context;
    assert.equal(await compactPeerChunks(db, dialect, live.peerId, Date.now()), 0);
    const [recent] = await runSimulation({ url: t.url, token: t.token, accountId: t.accountId, appId: t.appId, profile: 'clean', minutes: 1, peers: 1, seed: 13 });
    const due = await compactFinishedPeers(db, dialect, Date.now(), 3_600_000, 1000);
    assert.ok(!due.includes(recent.peerId) && !due.includes(live.peerId));
    const counts = await chunkCount(live.peerId);
    assert.ok(counts.chunks > counts.streams);
  });

  test('two compactions of one peer at once merge it once', async () => {
    const [p] = await runSimulation({ url: t.url, token: t.token, accountId: t.accountId, appId: t.appId, profile: 'congested-4g', minutes: 2, peers: 1, seed: 14 });
    const before = await reportText(p.peerId);
    const counts = await chunkCount(p.peerId);
    const { db, dialect } = t.server.context;
    const removed = await Promise.all([compactPeerChunks(db, dialect, p.peerId, Date.now()), compactPeerChunks(db, dialect, p.peerId, Date.now())]);
    assert.equal(removed[0] + removed[1], counts.chunks - counts.streams);
    assert.ok(removed.includes(0), 'the second one found it done');
    assert.equal((await chunkCount(p.peerId)).chunks, counts.streams);
    assert.equal(await reportText(p.peerId), before);
  });
});

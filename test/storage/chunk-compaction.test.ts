/**
 * Compaction of quality chunks, on the backend TEST_DATABASE_URL selects:
 * finished peers end with one chunk per stream and the report byte-for-byte
 * the same; concurrent compactions of one peer merge it once; a live peer's
 * recent chunks are merged in steps while it keeps sending, and its report
 * stays the same as a peer's never merged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation } from '../../src/simulate/simulate-run.ts';
import {
  compactFinishedPeers,
  compactPeerChunks,
  mergeLivePeerChunks,
  mergeLivePeers,
  MAX_MERGE_BYTES,
} from '../../src/store/chunk-compaction.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  // No report cache (every read is assembled from the store); no compaction by the server itself.
  t = await startTestServer({
    reportCacheMb: 0,
    peerTimeoutMs: 600_000,
    compactAfterMs: 3_600_000,
    mergeLiveEveryMs: 86_400_000,
  });
});
after(() => t.close());

async function reportText(peerId: string): Promise<string> {
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}?include_peer_events=true`,
    {
      headers: { authorization: `Bearer ${t.token}` },
    },
  );
  assert.equal(res.status, 200);
  // Without the fleet cohort context (added at serve time once the peer is rolled up, src/report/report-cohort.ts).
  const text = await res.text();
  const cohort = text.lastIndexOf(',"quality_cohort":');
  return cohort === -1 ? text : `${text.slice(0, cohort)}}}`;
}

/** Equal texts, or a failure that shows where they part (a 5 MB diff would be cut before it). */
function assertSameText(actual: string, expected: string, what: string): void {
  if (actual === expected) return;
  let i = 0;
  while (actual[i] === expected[i]) i++;
  assert.fail(
    `${what} differs at character ${i}: …${expected.slice(Math.max(0, i - 200), i + 200)}… became …${actual.slice(Math.max(0, i - 200), i + 200)}…`,
  );
}

function post(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A new meeting with one joined peer per name, joined at `startMs`, through the API. */
async function joinPeers(
  title: string,
  names: string[],
  startMs: number,
): Promise<{ token: string; peerId: string }[]> {
  const kit = `/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = (
    (await (await post(`${kit}/meetings`, t.token, { title })).json()) as { data: { id: string } }
  ).data.id;
  const peers = [];
  for (const name of names) {
    const p = (
      (await (
        await post(`${kit}/meetings/${meeting}/participants`, t.token, {
          custom_participant_id: name,
          preset_name: 'host',
        })
      ).json()) as { data: { token: string } }
    ).data;
    const j = (
      (await (await post('/ingest/v1/join', p.token, { joined_at: startMs })).json()) as {
        data: { peer_id: string };
      }
    ).data;
    peers.push({ token: p.token, peerId: j.peer_id });
  }
  return peers;
}

async function chunkCount(peerId: string): Promise<{ chunks: number; streams: number }> {
  const rows = await databaseOf(t.server.context.store)
    .db.selectFrom('quality_chunks')
    .select(['series', 'stream_key'])
    .where('peer_id', '=', peerId)
    .execute();
  return {
    chunks: rows.length,
    streams: new Set(rows.map((r) => `${r.series}|${r.stream_key}`)).size,
  };
}

describe('chunk compaction', () => {
  test("a finished peer's chunks become one per stream and its report stays byte-for-byte the same", async () => {
    const [a, b] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'lossy-wifi',
      minutes: 3,
      peers: 2,
      seed: 11,
    });
    const before = { a: await reportText(a.peerId), b: await reportText(b.peerId) };
    const counts = await chunkCount(a.peerId);
    assert.ok(
      counts.chunks > counts.streams,
      `several chunks per stream before (${counts.chunks} for ${counts.streams} streams)`,
    );

    const { db, dialect } = databaseOf(t.server.context.store);
    const done = await compactFinishedPeers(db, dialect, Date.now(), 0, 1000);
    assert.ok(
      done.includes(a.peerId) && done.includes(b.peerId),
      'done.includes(a.peerId) && done.includes(b.peerId)',
    );
    const after = await chunkCount(a.peerId);
    assert.deepEqual(after, { chunks: counts.streams, streams: counts.streams });
    // Its aggregates were computed once and stored: the report below is assembled from them.
    const stored = await db
      .selectFrom('peers')
      .select(['quality_aggregates', 'quality_aggregates_upto'])
      .where('id', '=', a.peerId)
      .executeTakeFirstOrThrow();
    assert.ok(
      stored.quality_aggregates && Number(stored.quality_aggregates_upto) > 0,
      'stored.quality_aggregates && Number(stored.quality_aggregates_upto) > 0',
    );
    assertSameText(await reportText(a.peerId), before.a, "peer a's report");
    assertSameText(await reportText(b.peerId), before.b, "peer b's report");
    // Each peer once.
    assert.deepEqual(await compactFinishedPeers(db, dialect, Date.now(), 0, 1000), []);
  });

  test('stored aggregates a chunk came after are not used: the report is computed from the chunks', async () => {
    const [p] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'congested-4g',
      minutes: 2,
      peers: 1,
      seed: 15,
    });
    const { db, dialect } = databaseOf(t.server.context.store);
    await compactPeerChunks(db, dialect, p.peerId, Date.now());
    const compacted = await reportText(p.peerId);
    // A chunk stored after the compaction (as a late batch would): a copy of the peer's first one, an hour later.
    const first = await db
      .selectFrom('quality_chunks')
      .selectAll()
      .where('peer_id', '=', p.peerId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const { id: _id, ...copy } = first;
    await db
      .insertInto('quality_chunks')
      .values({
        ...copy,
        first_ts: Number(first.first_ts) + 3_600_000,
        last_ts: Number(first.last_ts) + 3_600_000,
      })
      .execute();
    const withLateChunk = await reportText(p.peerId);
    // The same data without stored aggregates is the reference.
    await db
      .updateTable('peers')
      .set({ quality_aggregates: null, quality_aggregates_upto: null })
      .where('id', '=', p.peerId)
      .execute();
    assertSameText(withLateChunk, await reportText(p.peerId), 'the report with a late chunk');
    const series = first.series;
    const count = (text: string) =>
      (
        JSON.parse(text) as {
          data: { participant: { peer_report: { quality: Record<string, { avg?: number }[]> } } };
        }
      ).data.participant.peer_report.quality[series].length;
    assert.ok(count(withLateChunk) > count(compacted), 'the late rows are in the report');
    assert.notEqual(withLateChunk.indexOf(`"${series}_cumulative"`), -1);
  });

  test('a long call is merged in runs of bounded size, and its report stays byte-for-byte the same', async () => {
    const [p] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'lossy-wifi',
      minutes: 40,
      peers: 1,
      seed: 17,
    });
    const before = await reportText(p.peerId);
    const { db, dialect } = databaseOf(t.server.context.store);
    const counts = await chunkCount(p.peerId);
    assert.ok((await compactPeerChunks(db, dialect, p.peerId, Date.now())) > 0);
    const rows = await db
      .selectFrom('quality_chunks')
      .select([
        'series',
        'stream_key',
        (eb) => eb.fn<number>('length', ['rows_json']).as('bytes'),
        'n',
      ])
      .where('peer_id', '=', p.peerId)
      .execute();
    assert.ok(
      rows.length > counts.streams,
      `some stream needed more than one run (${rows.length} rows for ${counts.streams} streams)`,
    );
    assert.ok(
      rows.length < counts.chunks / 10,
      `and far fewer rows than before (${rows.length} of ${counts.chunks})`,
    );
    const perBatch = Math.max(...rows.map((r) => Number(r.bytes) / Number(r.n))) * 5 * 1.5; // a batch holds ≤ 5 samples of a stream
    for (const r of rows)
      assert.ok(Number(r.bytes) <= MAX_MERGE_BYTES + perBatch, `a merged row of ${r.bytes} bytes`);
    assertSameText(await reportText(p.peerId), before, 'the report');
  });

  test('after a leave only the chunks written since the last live merge are merged; merged rows are not rewritten', async () => {
    const startMs = Date.now() - 10 * 60_000;
    const [{ token, peerId }] = await joinPeers('tail', ['tail'], startMs);
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs,
        minutes: 3,
        seed: 18,
        batchIdPrefix: 'tail-batch-',
      }),
    ];
    const send = async (part: typeof batches) => {
      for (const b of part)
        assert.equal((await post(`/ingest/v1/peers/${peerId}/batches`, token, b)).status, 200);
    };
    await send(batches.slice(0, 9));
    const { db, dialect } = databaseOf(t.server.context.store);
    assert.ok((await mergeLivePeerChunks(db, dialect, peerId, Date.now())) > 0);
    const rowsOf = () =>
      db
        .selectFrom('quality_chunks')
        .select(['id', 'n', 'first_ts', 'last_ts', 'rows_json'])
        .where('peer_id', '=', peerId)
        .orderBy('id')
        .execute();
    const merged = await rowsOf();
    await send(batches.slice(9));
    assert.equal((await post(`/ingest/v1/peers/${peerId}/leave`, token, {})).status, 200);
    const before = await reportText(peerId);
    assert.ok((await compactPeerChunks(db, dialect, peerId, Date.now())) > 0);
    const after = await rowsOf();
    for (const m of merged)
      assert.deepEqual(
        after.find((a) => a.id === m.id),
        m,
        `merged row ${m.id} kept as it was`,
      );
    assert.equal(after.length, merged.length * 2, 'one more row per stream: the merged tail');
    assertSameText(await reportText(peerId), before, 'the report');
  });

  test('a live peer is left alone; a peer that left less than the delay ago waits', async () => {
    const [live] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 1,
      peers: 1,
      seed: 12,
      leave: false,
    });
    const { db, dialect } = databaseOf(t.server.context.store);
    assert.equal(await compactPeerChunks(db, dialect, live.peerId, Date.now()), 0);
    const [recent] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 1,
      peers: 1,
      seed: 13,
    });
    const due = await compactFinishedPeers(db, dialect, Date.now(), 3_600_000, 1000);
    assert.ok(
      !due.includes(recent.peerId) && !due.includes(live.peerId),
      '!due.includes(recent.peerId) && !due.includes(live.peerId)',
    );
    const counts = await chunkCount(live.peerId);
    assert.ok(counts.chunks > counts.streams, 'counts.chunks > counts.streams');
  });

  test('two compactions of one peer at once merge it once', async () => {
    const [p] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'congested-4g',
      minutes: 2,
      peers: 1,
      seed: 14,
    });
    const before = await reportText(p.peerId);
    const counts = await chunkCount(p.peerId);
    const { db, dialect } = databaseOf(t.server.context.store);
    const removed = await Promise.all([
      compactPeerChunks(db, dialect, p.peerId, Date.now()),
      compactPeerChunks(db, dialect, p.peerId, Date.now()),
    ]);
    assert.equal(
      removed[0] + removed[1],
      counts.chunks - counts.streams,
      'every chunk merged once, by one or the other',
    );
    assert.equal((await chunkCount(p.peerId)).chunks, counts.streams);
    assertSameText(await reportText(p.peerId), before, 'the report');
  });

  test("a live peer's recent chunks are merged in steps; its report matches a never-merged twin's", async () => {
    const startMs = Date.now() - 30 * 60_000;
    const [live, twin] = await joinPeers('twins', ['live', 'twin'], startMs);
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES['lossy-wifi'],
        startMs,
        minutes: 3,
        seed: 16,
        batchIdPrefix: 'twin-batch-',
      }),
    ];
    const { db, dialect } = databaseOf(t.server.context.store);
    const quality = async (peerId: string) => {
      const p = JSON.parse(await reportText(peerId)).data.participant;
      return {
        quality: p.peer_report.quality,
        stats: { ...p.quality_stats, peer_ids: undefined, end_time: undefined },
      };
    };
    // Send in three parts; merge the live peer after each of the first two.
    const thirds = [batches.slice(0, 6), batches.slice(6, 12), batches.slice(12)];
    for (const [i, part] of thirds.entries()) {
      for (const b of part) {
        assert.equal(
          (await post(`/ingest/v1/peers/${live.peerId}/batches`, live.token, b)).status,
          200,
        );
        assert.equal(
          (await post(`/ingest/v1/peers/${twin.peerId}/batches`, twin.token, b)).status,
          200,
        );
      }
      if (i < 2) {
        // (A live report's duration runs with the clock: compare its quality parts.)
        const before = await quality(live.peerId);
        assert.ok(
          (await mergeLivePeerChunks(db, dialect, live.peerId, Date.now())) > 0,
          `merge ${i} removed chunks`,
        );
        assert.deepEqual(await quality(live.peerId), before, `merge ${i}: the same quality`);
      }
    }
    const merged = await chunkCount(live.peerId);
    const never = await chunkCount(twin.peerId);
    assert.equal(merged.streams, never.streams);
    // Per stream: the two merged rows plus one chunk per batch of the last third.
    assert.equal(merged.chunks, merged.streams * (2 + thirds[2].length));
    assert.equal(never.chunks, never.streams * batches.length);
    assert.deepEqual(await quality(live.peerId), await quality(twin.peerId));
    // The sweeper's selection: a peer merged just now is not due again.
    assert.ok(!(await mergeLivePeers(db, dialect, Date.now(), 60_000, 1000)).includes(live.peerId));
  });
});

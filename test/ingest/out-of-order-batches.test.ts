/**
 * Out-of-order batches (issue 11 item 6), through the real server on either
 * store: a batch that arrives after newer ones of its peer is stored, and the
 * report is the one the same batches make in order, byte for byte: every
 * per-sample array in time order, every cumulative aggregate without double
 * counting (the late batch's intervals and the newer sample's re-derived one
 * tile the interval that sample first covered). Before: 200 with
 * `skipped_samples`, and the samples never reached the report.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { postJson } from '../support/post-json.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { mergeLivePeerChunks } from '../../src/store/chunk-compaction.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
/** The same server without the report cache: what every answer of `t` must equal, cached or not. */
let uncached: TestServer;
before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000, mergeLiveEveryMs: 3_600_000 });
  uncached = await startTestServer({
    peerTimeoutMs: 600_000,
    mergeLiveEveryMs: 3_600_000,
    reportCacheMb: 0,
  });
});
after(async () => {
  await t.close();
  await uncached.close();
});

const startMs = Date.now() - 5 * 60_000;

function batchesOf(seed: number, prefix: string): TelemetryBatch[] {
  // 2 minutes, a sample every 2 s, 10 s batches: 12 batches of 5 samples per stream.
  return [
    ...syntheticBatches({
      profile: CALL_PROFILES['lossy-wifi'],
      startMs,
      minutes: 2,
      seed,
      batchIdPrefix: prefix,
      remotePeerIds: ['remote-peer'],
    }),
  ];
}

async function newPeer(label: string, srv = t): Promise<{ peerId: string; token: string }> {
  const t = srv;
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

async function send(
  peer: { peerId: string; token: string },
  batch: TelemetryBatch,
  srv = t,
): Promise<Record<string, any>> {
  const t = srv;
  return postJson(`${t.url}/ingest/v1/peers/${peer.peerId}/batches`, peer.token, batch);
}

/** The report's quality part (per-sample arrays and aggregates) and summary, as text. */
async function quality(
  peerId: string,
  srv = t,
): Promise<{ quality: string; stats: string; arrays: Record<string, { timestamp: string }[]> }> {
  const t = srv;
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}?filters=quality_stats`,
    { headers: { authorization: `Bearer ${t.token}` } },
  );
  const body = (await res.json()) as {
    data: {
      participant: {
        peer_report: { quality: Record<string, unknown> };
        quality_stats: Record<string, unknown>;
      };
    };
  };
  assert.equal(res.status, 200);
  const q = body.data.participant.peer_report.quality;
  const { peer_ids: _ids, ...stats } = body.data.participant.quality_stats;
  const arrays = Object.fromEntries(
    Object.entries(q).filter(([, v]) => Array.isArray(v)),
  ) as Record<string, { timestamp: string }[]>;
  return { quality: JSON.stringify(q), stats: JSON.stringify(stats), arrays };
}

/** Sends `order` (indexes into the batches) to a fresh peer; every answer must say all samples were stored. */
async function sendInOrder(label: string, order: number[]): Promise<string> {
  const batches = batchesOf(11, `${label}-batch-`);
  const peer = await newPeer(label);
  for (const i of order) {
    const answer = await send(peer, batches[i]);
    const samples = batches[i].samples?.length ?? 0;
    assert.deepEqual(
      { samples: answer.samples, skipped: answer.skipped_samples },
      { samples, skipped: 0 },
      `batch ${i} of ${label}`,
    );
  }
  return peer.peerId;
}

describe('a batch that arrives after newer ones', () => {
  let reference: Awaited<ReturnType<typeof quality>>;
  before(async () => {
    reference = await quality(await sendInOrder('in-order', [...Array(12).keys()]));
    for (const series of ['audio_producer', 'audio_consumer', 'video_producer', 'video_consumer'])
      assert.equal(reference.arrays[series].length, 60, series);
  });

  const orders: Record<string, number[]> = {
    'batch 2 after batch 3': [0, 1, 3, 2, 4, 5, 6, 7, 8, 9, 10, 11],
    'two batches late, into one gap, newest first': [0, 1, 4, 3, 2, 5, 6, 7, 8, 9, 10, 11],
    'late batches into several gaps': [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 11],
    'the first batch last (before the stream’s first stored chunk)': [
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0,
    ],
    reversed: [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
  };
  for (const [index, [name, order]] of Object.entries(orders).entries()) {
    test(`${name}: stored, and the report equals the in-order one`, async () => {
      const got = await quality(await sendInOrder(`late-${index}`, order));
      for (const [series, rows] of Object.entries(got.arrays)) {
        const times = rows.map((r) => Date.parse(r.timestamp));
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
          `${series} in time order`,
        );
      }
      assert.equal(got.quality, reference.quality);
      assert.equal(got.stats, reference.stats);
    });
  }

  test('a late batch resent under a new batch id, and a late batch whose gap is gone, store nothing twice', async () => {
    const batches = batchesOf(11, 'resend-batch-');
    const peer = await newPeer('resend');
    for (const i of [0, 1, 3, 2]) await send(peer, batches[i]);
    const again = await send(peer, { ...batches[2], batch_id: 'resend-batch-2-again' });
    assert.equal(again.samples, 0);
    assert.equal(again.skipped_samples, batches[2].samples!.length);
    for (const i of [4, 5, 6, 7, 8, 9, 10, 11]) await send(peer, batches[i]);
    assert.equal((await quality(peer.peerId)).quality, reference.quality);
  });

  test('compaction between a newer batch and a late one keeps every row in time order and the aggregates exact', async () => {
    const batches = batchesOf(11, 'merged-batch-');
    const peer = await newPeer('merged');
    for (const i of [0, 1, 2]) await send(peer, batches[i]);
    await mergeLivePeerChunks(
      databaseOf(t.server.context.store).db,
      t.server.context.store.name,
      peer.peerId,
      Date.now(),
    ); // 0-2 merged
    for (const i of [4, 5]) await send(peer, batches[i]);
    await send(peer, batches[3]); // late, between the merged row and batch 4
    for (const i of [6, 7]) await send(peer, batches[i]);
    await mergeLivePeerChunks(
      databaseOf(t.server.context.store).db,
      t.server.context.store.name,
      peer.peerId,
      Date.now(),
    );
    for (const i of [8, 9, 10, 11]) await send(peer, batches[i]);
    await mergeLivePeerChunks(
      databaseOf(t.server.context.store).db,
      t.server.context.store.name,
      peer.peerId,
      Date.now(),
    );
    assert.equal((await quality(peer.peerId)).quality, reference.quality);
  });
});

describe('a live report asked after every write', () => {
  test('never answers from a cache the write outdated (late batches, merges), and equals the uncached answer', async () => {
    const batches = batchesOf(12, 'asked-batch-');
    const cached = await newPeer('asked');
    const plain = await newPeer('asked', uncached);
    const merge = async (srv: TestServer, peerId: string) =>
      mergeLivePeerChunks(
        databaseOf(srv.server.context.store).db,
        srv.server.context.store.name,
        peerId,
        Date.now(),
      );
    // In order, late into a gap (which rewrites the head of the chunk after it), merged, late again.
    const steps: (number | 'merge')[] = [0, 1, 3, 2, 'merge', 5, 4, 6, 8, 'merge', 7, 9, 11, 10];
    for (const [i, step] of steps.entries()) {
      if (step === 'merge') {
        await merge(t, cached.peerId);
        await merge(uncached, plain.peerId);
      } else {
        await send(cached, batches[step]);
        await send(plain, batches[step], uncached);
      }
      const expected = await quality(plain.peerId, uncached);
      // The first answer after a write computes the aggregates; the second is served from the cache.
      for (const attempt of ['first', 'again']) {
        const got = await quality(cached.peerId);
        assert.equal(got.quality, expected.quality, `step ${i} (${step}), ${attempt}`);
        assert.equal(got.stats, expected.stats, `step ${i} (${step}), ${attempt}`);
      }
    }
  });
});

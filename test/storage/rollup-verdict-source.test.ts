/**
 * The fleet rollups take a finished peer's verdict and issue kinds from its
 * stored diagnosis (on the store the tests run against: embedded, or
 * PostgreSQL with TEST_DATABASE_URL): at compaction, after late telemetry
 * (the diagnosis is computed again and the rollup follows), and when a
 * diagnosis after blame changes (`correctRollupDiagnosis`: the buckets lose
 * the old verdict and gain the new one).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
import { refreshStaleRollups } from '../../src/store/rollup-refresh.ts';
import { correctRollupDiagnosis } from '../../src/store/quality-rollups.ts';
import { parseBucket } from '../../src/rollup/bucket-data.ts';
import { issuesOfMask, VERDICTS } from '../../src/rollup/rollup-diagnosis.ts';
import { seedPeer } from '../support/rollup-seed.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ compactAfterMs: 3_600_000, peerTimeoutMs: 600_000 });
});
after(() => t.close());

const clean = CALL_PROFILES.clean;
const lossy = { ...clean, name: 'steady-loss', loss: 0.4 };

async function reportDiagnosis(peerId: string): Promise<any> {
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}`,
    { headers: { authorization: `Bearer ${t.token}` } },
  );
  assert.equal(res.status, 200, 'report');
  return ((await res.json()) as any).data.participant.diagnosis;
}

async function rollupOf(peerId: string) {
  return databaseOf(t.server.context.store)
    .db.selectFrom('peer_rollups')
    .selectAll()
    .where('peer_id', '=', peerId)
    .executeTakeFirstOrThrow();
}

/** The app's `all` bucket of `day`: peers by verdict. */
async function verdictCounts(day: string): Promise<Record<string, number>> {
  const b = await databaseOf(t.server.context.store)
    .db.selectFrom('rollup_buckets')
    .select('data')
    .where('app_id', '=', t.appId)
    .where('dim', '=', 'all')
    .where('day', '=', day)
    .executeTakeFirstOrThrow();
  const data = parseBucket(b.data);
  return Object.fromEntries(VERDICTS.map((v, i) => [v, data.v[i]]));
}

describe('rollup verdict from the stored diagnosis', () => {
  test('compaction counts the diagnosis verdict; late telemetry changes the diagnosis and the rollup follows', async () => {
    const { db, dialect } = databaseOf(t.server.context.store);
    const { participants } = await meetingWithParticipants(t, 2, 'late');
    const [a, b] = participants;
    const cleanPeer = await joinPeer(t.url, a);
    const lossyPeer = await joinPeer(t.url, b);
    const startMs = Date.now() - 120_000;
    for (const [p, peer, profile] of [
      [a, cleanPeer, clean],
      [b, lossyPeer, lossy],
    ] as const)
      for (const batch of syntheticBatches({
        profile,
        startMs,
        minutes: 1,
        seed: 5,
        batchIdPrefix: `${peer}-`,
      }))
        await sendBatch(t.url, p, peer, batch);
    await leavePeer(t.url, a, cleanPeer);
    await leavePeer(t.url, b, lossyPeer);
    await compactPeerChunks(db, dialect, cleanPeer, Date.now());
    await compactPeerChunks(db, dialect, lossyPeer, Date.now());

    const cleanDiagnosis = await reportDiagnosis(cleanPeer);
    const lossyDiagnosis = await reportDiagnosis(lossyPeer);
    assert.equal(cleanDiagnosis.verdict, 'good', 'the clean call is good');
    assert.equal(lossyDiagnosis.verdict, 'bad', 'the lossy call is bad');
    for (const [peer, d] of [
      [cleanPeer, cleanDiagnosis],
      [lossyPeer, lossyDiagnosis],
    ] as const) {
      const r = await rollupOf(peer);
      assert.equal(r.verdict, d.verdict, 'rollup verdict = report verdict');
      assert.deepEqual(
        issuesOfMask(Number(r.issue_mask)).sort(),
        [...new Set(d.issues.map((i: any) => i.kind as string))].sort(),
        'rollup issue kinds = report issue kinds',
      );
    }
    const day = (await rollupOf(cleanPeer)).day;
    const counts = await verdictCounts(day);

    // Late telemetry: the lossy peer's chunks stored again on the clean peer, an hour later, as late batches would be.
    const late = await db
      .selectFrom('quality_chunks')
      .selectAll()
      .where('peer_id', '=', lossyPeer)
      .execute();
    for (const c of late) {
      const { id: _id, ...copy } = c;
      await db
        .insertInto('quality_chunks')
        .values({
          ...copy,
          peer_id: cleanPeer,
          first_ts: Number(c.first_ts) + 3_600_000,
          last_ts: Number(c.last_ts) + 3_600_000,
        })
        .execute();
    }
    await db
      .updateTable('peers')
      .set({ updated_at: Date.now() + 1000 })
      .where('id', '=', cleanPeer)
      .execute();
    assert.deepEqual(await refreshStaleRollups(db, dialect, Date.now() + 2000), [cleanPeer]);
    const after = await reportDiagnosis(cleanPeer);
    assert.equal(after.verdict, 'bad', 'the late loss makes it bad');
    const r = await rollupOf(cleanPeer);
    assert.equal(r.verdict, 'bad', 'the rollup follows the new diagnosis');
    assert.ok(issuesOfMask(Number(r.issue_mask)).includes('packet_loss'), 'packet_loss counted');
    const moved = await verdictCounts(day);
    assert.equal(moved.good, counts.good - 1, 'one good fewer');
    assert.equal(moved.bad, counts.bad + 1, 'one bad more');
  });

  test('a changed diagnosis after blame corrects the rollup and its buckets; an unchanged one is left alone', async () => {
    const { db, dialect } = databaseOf(t.server.context.store);
    const id = randomUUID();
    const leftAt = Date.UTC(2026, 10, 2, 12);
    await seedPeer(db, dialect, {
      id,
      accountId: t.accountId,
      appId: t.appId,
      joinedAt: leftAt - 600_000,
      leftAt,
      audioMos: [4.3, 4.4],
      videoMos: [],
      loss: [0],
      rtt: [40],
      jitter: [5],
      verdict: 'good',
      issues: [],
    });
    const day = '2026-11-02';
    assert.deepEqual(await verdictCounts(day), { good: 1, fair: 0, poor: 0, bad: 0 });
    const changed = await db
      .transaction()
      .execute((tx) =>
        correctRollupDiagnosis(
          tx,
          dialect,
          id,
          { verdict: 'bad', kinds: ['no_media_received'] },
          Date.now(),
        ),
      );
    assert.equal(changed, true, 'changed');
    assert.deepEqual(await verdictCounts(day), { good: 0, fair: 0, poor: 0, bad: 1 });
    const r = await rollupOf(id);
    assert.equal(r.verdict, 'bad');
    assert.deepEqual(issuesOfMask(Number(r.issue_mask)), ['no_media_received']);
    assert.ok(Number(r.severity) >= 3000, `severity ${r.severity} ranks it bad`);
    const again = await db
      .transaction()
      .execute((tx) =>
        correctRollupDiagnosis(
          tx,
          dialect,
          id,
          { verdict: 'bad', kinds: ['no_media_received'] },
          Date.now(),
        ),
      );
    assert.equal(again, false, 'unchanged: nothing written');
    assert.deepEqual(await verdictCounts(day), { good: 0, fair: 0, poor: 0, bad: 1 });
  });
});

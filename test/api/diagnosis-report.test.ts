/**
 * The diagnosis in the peer report, through a real server on the store
 * TEST_DATABASE_URL selects: simulated profiles give the kinds their
 * conditions produce (clean → nothing at or above fair); the object is there
 * with no filter and with `filters=quality_stats` (and a summary in
 * `quality_stats`); a finished peer's own part is stored at compaction and
 * gives the same answer; a stale stored one is recomputed; the session
 * listings carry the verdicts; a live peer's diagnosis follows its batches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { compactPeerChunks } from '../../src/store/chunk-compaction.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { peerDiagnosis } from '../../src/store/peer-diagnosis.ts';
import { readQualityChunks } from '../../src/store/quality-chunks-read.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({
    reportCacheMb: 0,
    peerTimeoutMs: 600_000,
    compactAfterMs: 3_600_000,
    mergeLiveEveryMs: 86_400_000,
    // Recompute a live peer's diagnosis after every batch (the default bounds it to once per 5 s).
    liveDiagnosisRefreshMs: 0,
  });
});
after(() => t.close());

async function get(path: string): Promise<any> {
  const res = await fetch(`${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}${path}`, {
    headers: { authorization: `Bearer ${t.token}` },
  });
  assert.equal(res.status, 200, path);
  return res.json();
}

async function diagnosisOf(peerId: string, query = ''): Promise<any> {
  return (await get(`/sessions/peer-report/${peerId}${query}`)).data.participant;
}

const profiles = new Map<string, SimulatedPeer[]>();
async function simulated(profile: string): Promise<SimulatedPeer[]> {
  let peers = profiles.get(profile);
  if (!peers) {
    peers = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile,
      minutes: 5,
      peers: 2,
      seed: 3,
    });
    profiles.set(profile, peers);
  }
  return peers;
}

function kinds(d: any): Set<string> {
  return new Set((d.issues as any[]).map((i) => i.kind));
}

describe('simulated profiles', () => {
  test('clean: good everywhere, no issue at or above fair', async () => {
    for (const p of await simulated('clean')) {
      const d = (await diagnosisOf(p.peerId)).diagnosis;
      assert.equal(d.verdict, 'good');
      assert.deepEqual(d.issues, []);
      assert.deepEqual(d.verdicts, {
        send: { audio: 'good', video: 'good' },
        receive: { audio: 'good', video: 'good' },
      });
      assert.match(d.summary, /^Good: no quality issue found on 4 streams\.$/);
    }
  });
  test('lossy-wifi: packet loss and bandwidth limitation; the sender is blamed by its remote peer id', async () => {
    const peers = await simulated('lossy-wifi');
    for (const p of peers) {
      const d = (await diagnosisOf(p.peerId)).diagnosis;
      const found = kinds(d);
      for (const k of ['packet_loss', 'bandwidth_limited'])
        assert.ok(found.has(k), `${k} in ${[...found]}`);
      assert.notEqual(d.verdict, 'good');
      assert.deepEqual(
        d.compared_with,
        peers.filter((o) => o.peerId !== p.peerId).map((o) => o.peerId),
      );
      const received = d.issues.filter(
        (i: any) => i.direction === 'receive' && i.kind === 'packet_loss',
      );
      assert.ok(received.length > 0, 'received.length > 0');
      for (const i of received) {
        assert.equal(i.attribution.matched_by, 'remote_peer_id');
        assert.ok(
          ['remote_peer', 'server', 'own_downlink'].includes(i.attribution.cause),
          i.attribution.cause,
        );
      }
    }
  });
  test('congested-4g: high RTT, loss, and the precall test predicted it', async () => {
    for (const p of await simulated('congested-4g')) {
      const found = kinds((await diagnosisOf(p.peerId)).diagnosis);
      for (const k of ['high_rtt', 'packet_loss', 'precall_predicted'])
        assert.ok(found.has(k), `${k} in ${[...found]}`);
    }
  });
  test('relay (TURN over UDP): CPU limitation, and no relay-over-TCP issue', async () => {
    const all = new Set<string>();
    for (const p of await simulated('relay'))
      for (const k of kinds((await diagnosisOf(p.peerId)).diagnosis)) all.add(k);
    assert.ok(all.has('cpu_limited'), [...all].join());
    assert.ok(!all.has('relay_over_tcp'), "!all.has('relay_over_tcp')");
  });
});

describe('report shape', () => {
  test('present with no filter and with filters=quality_stats (with a summary in quality_stats); absent without quality', async () => {
    const [p] = await simulated('lossy-wifi');
    const full = await diagnosisOf(p.peerId);
    const quality = await diagnosisOf(p.peerId, '?filters=quality_stats');
    assert.deepEqual(quality.diagnosis, full.diagnosis);
    assert.equal(quality.quality_stats.diagnosis.verdict, full.diagnosis.verdict);
    assert.equal(quality.quality_stats.diagnosis.summary, full.diagnosis.summary);
    assert.equal(quality.quality_stats.diagnosis.issues.length, full.diagnosis.issues.length);
    const events = await diagnosisOf(p.peerId, '?filters=events');
    assert.equal(events.diagnosis, undefined);
    for (const i of full.diagnosis.issues) {
      assert.ok(
        Date.parse(i.start) <= Date.parse(i.end),
        'Date.parse(i.start) <= Date.parse(i.end)',
      );
      assert.equal(typeof i.advice, 'string');
      for (const k of ['metric', 'worst', 'typical', 'threshold', 'samples'])
        assert.ok(k in i.evidence, k);
      assert.ok(['low', 'medium', 'high'].includes(i.attribution.confidence));
    }
  });
});

describe('stored at compaction', () => {
  test('the own part is stored, gives the same report, a stale one is recomputed, and the listings show the verdicts', async () => {
    const peers = await simulated('congested-4g');
    const before = await Promise.all(peers.map((p) => diagnosisOf(p.peerId)));
    for (const p of peers)
      await compactPeerChunks(
        databaseOf(t.server.context.store).db,
        t.server.context.store.name,
        p.peerId,
        Date.now(),
      );
    const db = databaseOf(t.server.context.store).db;
    for (const [n, p] of peers.entries()) {
      const row = await db
        .selectFrom('peers')
        .select(['diagnosis', 'diagnosis_upto', 'verdict_rank', 'diagnosis_summary'])
        .where('id', '=', p.peerId)
        .executeTakeFirstOrThrow();
      assert.ok(
        row.diagnosis && Number(row.diagnosis_upto) > 0,
        'row.diagnosis && Number(row.diagnosis_upto) > 0',
      );
      assert.equal(row.diagnosis_summary, before[n].diagnosis.summary);
      assert.equal(
        Number(row.verdict_rank),
        ['good', 'fair', 'poor', 'bad'].indexOf(before[n].diagnosis.verdict),
      );
      assert.deepEqual((await diagnosisOf(p.peerId)).diagnosis, before[n].diagnosis);
    }
    // The final form is reused while the other peers' stored diagnoses are unchanged, and not after.
    const final = await db
      .selectFrom('peers')
      .select(['diagnosis_final', 'diagnosis_final_stamp'])
      .where('id', '=', peers[0].peerId)
      .executeTakeFirstOrThrow();
    assert.ok(
      final.diagnosis_final && final.diagnosis_final_stamp,
      'final.diagnosis_final && final.diagnosis_final_stamp',
    );
    const marked = JSON.stringify({
      ...JSON.parse(final.diagnosis_final),
      summary: 'stored final form',
    });
    await db
      .updateTable('peers')
      .set({ diagnosis_final: marked })
      .where('id', '=', peers[0].peerId)
      .execute();
    assert.equal((await diagnosisOf(peers[0].peerId)).diagnosis.summary, 'stored final form');
    const other = await db
      .selectFrom('peers')
      .select('diagnosis_upto')
      .where('id', '=', peers[1].peerId)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('peers')
      .set({ diagnosis_upto: Number(other.diagnosis_upto) + 1000 })
      .where('id', '=', peers[1].peerId)
      .execute();
    assert.deepEqual(
      (await diagnosisOf(peers[0].peerId)).diagnosis,
      before[0].diagnosis,
      'another peer re-diagnosed: blame runs again',
    );
    await db
      .updateTable('peers')
      .set({ diagnosis_upto: other.diagnosis_upto })
      .where('id', '=', peers[1].peerId)
      .execute();
    // A stored diagnosis that does not cover the newest chunk is not used.
    await db
      .updateTable('peers')
      .set({
        diagnosis: JSON.stringify({
          method: 'peer-report-diagnosis@1',
          issues: [],
          producers: [],
          received: [],
          present: { send: [], receive: [] },
          streams: 0,
        }),
        diagnosis_upto: 1,
      })
      .where('id', '=', peers[0].peerId)
      .execute();
    assert.deepEqual((await diagnosisOf(peers[0].peerId)).diagnosis, before[0].diagnosis);
    // Listings.
    const participants = (await get(`/sessions/${peers[0].sessionId}/participants`)).data
      .participants as any[];
    for (const [n, p] of peers.entries()) {
      const row = participants.find((x) => x.id === p.peerId);
      assert.equal(row.verdict, before[n].diagnosis.verdict);
      assert.equal(row.diagnosis_summary, before[n].diagnosis.summary);
    }
    const sessions = (await get('/sessions?per_page=100')).data.sessions as any[];
    const worst = ['good', 'fair', 'poor', 'bad'][
      Math.max(...before.map((b) => ['good', 'fair', 'poor', 'bad'].indexOf(b.diagnosis.verdict)))
    ];
    assert.equal(sessions.find((s) => s.id === peers[0].sessionId).worst_verdict, worst);
    const clean = await simulated('clean');
    assert.equal(
      sessions.find((s) => s.id === clean[0].sessionId)?.worst_verdict,
      undefined,
      'not compacted yet: no stored verdict',
    );
  });
});

describe('live peer', () => {
  test('its diagnosis follows the batches as they arrive', async () => {
    const kit = `/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}`;
    const post = async (path: string, token: string, body: unknown) => {
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(res.ok, `${path}: ${res.status} ${res.ok ? '' : await res.clone().text()}`);
      return (await res.json()) as any;
    };
    const meeting = (await post(`${kit}/meetings`, t.token, { title: 'live diagnosis' })).data.id;
    const participant = (
      await post(`${kit}/meetings/${meeting}/participants`, t.token, {
        custom_participant_id: 'live-1',
        preset_name: 'host',
      })
    ).data;
    const startMs = Date.now() - 5 * 60_000;
    const peerId = (await post('/ingest/v1/join', participant.token, { joined_at: startMs })).data
      .peer_id;
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES['congested-4g'],
        startMs,
        minutes: 5,
        seed: 7,
        batchIdPrefix: 'live-diagnosis',
      }),
    ];
    const half = batches.length / 2;
    for (const b of batches.slice(0, half))
      await post(`/ingest/v1/peers/${peerId}/batches`, participant.token, b);
    const first = (await diagnosisOf(peerId)).diagnosis;
    const halfTime = startMs + 150_000;
    assert.ok(first.issues.length > 0, 'the first half has issues');
    assert.ok(
      first.issues.every((i: any) => Date.parse(i.end) <= halfTime + 2_000),
      'the first half has only issues of the first half',
    );
    for (const b of batches.slice(half))
      await post(`/ingest/v1/peers/${peerId}/batches`, participant.token, b);
    const second = (await diagnosisOf(peerId)).diagnosis;
    assert.ok(
      second.issues.some((i: any) => Date.parse(i.end) > halfTime + 2_000),
      'issues of the second half appear',
    );
    assert.equal((await diagnosisOf(peerId)).status, 'LIVE');

    // Bounded: within the refresh period a new batch does not trigger a recomputation over all the rows.
    const { db, dialect } = databaseOf(t.server.context.store);
    const read = async (now: number) => {
      const peer = await db
        .selectFrom('peers')
        .selectAll()
        .where('id', '=', peerId)
        .executeTakeFirstOrThrow();
      const chunks = await readQualityChunks(db, dialect, peerId, { withoutRows: true });
      return peerDiagnosis(db, dialect, peer, chunks, { liveRefreshMs: 60_000, now });
    };
    const extra = [
      ...syntheticBatches({
        profile: CALL_PROFILES['congested-4g'],
        startMs: startMs + 5 * 60_000,
        minutes: 1,
        seed: 8,
        batchIdPrefix: 'live-diagnosis-extra',
      }),
    ];
    assert.ok(extra.length >= 3, 'several batches');
    const send = async (bs: typeof extra) => {
      for (const b of bs) await post(`/ingest/v1/peers/${peerId}/batches`, participant.token, b);
    };
    const lastEnd = (d: Awaited<ReturnType<typeof read>>) =>
      Math.max(...d.issues.map((i) => Date.parse(i.end)));
    // A batch, then a read an hour on (past any period): computed now.
    await send(extra.slice(0, 1));
    const later = Date.now() + 3_600_000;
    const before = await read(later);
    await send(extra.slice(1));
    assert.deepEqual(await read(later + 59_000), before, 'the same own part within the period');
    const after = await read(later + 60_001);
    assert.ok(
      lastEnd(after) > lastEnd(before) + 10_000,
      'recomputed after the period: issues of the later batches',
    );
  });
});

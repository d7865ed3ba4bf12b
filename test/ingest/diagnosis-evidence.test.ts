/**
 * The diagnosis evidence end to end, through the real server on the store TEST_DATABASE_URL
 * selects: a mesh peer B sends to and receives from A and C over two connections. Its report
 * must say which connection and remote peer every row belongs to, carry the repair counters,
 * freezes, concealment and bandwidth figures per interval, tell A's lossy stream from C's clean
 * one in per-track and per-remote-peer aggregates (live, then stored with the finished peer),
 * subtract repaired loss, mark the ended track and list the track events.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { postJson } from '../support/post-json.ts';
import { compactPeerChunks } from '../../src/store/chunk-compaction.ts';
import type { StreamSample, TelemetryBatch } from '../../src/model/telemetry.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({
    reportCacheMb: 0,
    peerTimeoutMs: 600_000,
    compactAfterMs: 3_600_000,
    mergeLiveEveryMs: 86_400_000,
  });
});
after(() => t.close());

const STEP = 2000;
const N = 10;

/** Cumulative samples of B's four streams per remote peer, `N` intervals of 2 s. */
function meshSamples(t0: number): StreamSample[] {
  const out: StreamSample[] = [];
  for (let i = 0; i < N; i++) {
    const ts = t0 + i * STEP;
    for (const [remote, pc, lossPerInterval] of [
      ['peer-A', 'pc-to-A', 10],
      ['peer-C', 'pc-to-C', 0],
    ] as const) {
      const k = i + 1;
      const received = 90 * k;
      // From A: 10 lost in every other interval, 6 of which arrive (retransmitted) in the next one, so
      // the cumulative packetsLost goes 10, 4, 14, 8, ... and ends at 20.
      const lost = lossPerInterval === 0 ? 0 : 4 * Math.floor(i / 2) + (i % 2 === 0 ? 10 : 4);
      out.push({
        ts,
        pc,
        direction: 'consumer',
        media: 'video',
        ssrc: pc === 'pc-to-A' ? 1001 : 2001,
        codec: 'video/VP8',
        remote_peer_id: remote,
        consumer_id: `cons-${remote}`,
        packets: received,
        bytes: received * 1100,
        packets_lost: lost,
        jitter_ms: 4,
        rtt_ms: 30,
        rtt_source: 'remote-outbound-rtp',
        frames_decoded: 30 * k,
        frame_width: 640,
        frame_height: 360,
        nack_count: lossPerInterval * k,
        pli_count: lossPerInterval ? k : 0,
        fir_count: 0,
        retransmitted_packets: lossPerInterval ? 6 * k : 0,
        retransmitted_bytes: lossPerInterval ? 6600 * k : 0,
        fec_packets: 0,
        freeze_count: lossPerInterval ? Math.floor(k / 2) : 0,
        total_freezes_duration_s: lossPerInterval ? 0.4 * Math.floor(k / 2) : 0,
      });
      out.push({
        ts,
        pc,
        direction: 'consumer',
        media: 'audio',
        ssrc: pc === 'pc-to-A' ? 1002 : 2002,
        codec: 'audio/opus',
        clock_rate: 48000,
        remote_peer_id: remote,
        packets: 100 * k,
        bytes: 8000 * k,
        packets_lost: 0,
        jitter_ms: 3,
        rtt_ms: 30,
        rtt_source: 'remote-outbound-rtp',
        concealed_samples: lossPerInterval ? 4800 * k : 0,
        total_samples_received: 96_000 * k,
      });
      out.push({
        // The collector stamps the connection's remote peer on outgoing samples (`observe(pc, { remotePeerId })`).
        ts,
        pc,
        direction: 'producer',
        media: 'video',
        ssrc: pc === 'pc-to-A' ? 3001 : 4001,
        codec: 'video/VP8',
        remote_peer_id: remote,
        packets: 180 * k,
        bytes: 180_000 * k,
        packets_lost: 0,
        fraction_lost: 0,
        rtt_ms: 30,
        rtt_source: 'remote-inbound-rtp',
        frames_encoded: 30 * k,
        frame_width: 1280,
        frame_height: 720,
        nack_count: 2 * k,
        pli_count: 0,
        fir_count: 0,
        retransmitted_packets: 2 * k,
        retransmitted_bytes: 2000 * k,
        available_outgoing_bitrate: pc === 'pc-to-A' ? 2_500_000 - i * 100_000 : 1_800_000,
        target_bitrate: 1_200_000,
        // The camera sent to C is stopped half-way through.
        ...(pc === 'pc-to-C' && i >= N / 2
          ? {
              track_ended: true,
              packets: 180 * (N / 2),
              bytes: 180_000 * (N / 2),
              frames_encoded: 30 * (N / 2),
            }
          : {}),
      });
    }
  }
  return out;
}

async function report(peerId: string): Promise<Record<string, any>> {
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}`,
    { headers: { authorization: `Bearer ${t.token}` } },
  );
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { participant: Record<string, any> } }).data.participant;
}

test('a mesh peer: rows name connection and remote peer, carry the evidence, and aggregates split by remote peer', async () => {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: 'mesh evidence' });
  const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: 'B',
    preset_name: 'host',
  });
  const t0 = Date.now() - 60_000;
  const { peer_id: peerId } = await postJson(`${t.url}/ingest/v1/join`, p.token, {
    joined_at: t0 - 1000,
  });
  const samples = meshSamples(t0);
  const batch: TelemetryBatch = {
    batch_id: `batch-${randomUUID()}`,
    samples,
    pc_metadata: [
      { ts: t0, pc: 'pc-to-A', role: 'p2p', remote_peer_id: 'peer-A' },
      { ts: t0, pc: 'pc-to-C', role: 'p2p', remote_peer_id: 'peer-C' },
    ],
    events: [
      {
        ts: t0 + 5 * STEP,
        name: 'track_ended',
        pc: 'pc-to-C',
        metadata: { kind: 'video', track_id: 'cam', direction: 'send', mid: '1' },
      },
      {
        ts: t0 + 3 * STEP,
        name: 'track_disabled',
        pc: 'pc-to-A',
        metadata: { kind: 'audio', track_id: 'mic', direction: 'send', mid: '0' },
      },
    ],
  };
  await postJson(`${t.url}/ingest/v1/peers/${peerId}/batches`, p.token, batch);

  const check = (participant: Record<string, any>, when: string) => {
    const q = participant.peer_report.quality;
    // Every row names its connection; outgoing rows their remote peer too.
    for (const series of ['video_consumer', 'audio_consumer', 'video_producer'] as const) {
      for (const row of q[series]) {
        assert.ok(
          row.pc_id === 'pc-to-A' || row.pc_id === 'pc-to-C',
          `${when} ${series} pc_id ${row.pc_id}`,
        );
        assert.equal(row.remote_peer_id, row.pc_id === 'pc-to-A' ? 'peer-A' : 'peer-C');
      }
    }
    const fromA = q.video_consumer.filter((r: any) => r.ssrc === 1001);
    assert.deepEqual(
      fromA.slice(1).map((r: any) => r.nack_count),
      Array(N - 1).fill(10),
      `${when}: NACKs per interval, not cumulative`,
    );
    assert.deepEqual(
      fromA.slice(1).map((r: any) => r.retransmitted_packets),
      Array(N - 1).fill(6),
    );
    assert.deepEqual(
      fromA.map((r: any) => r.packets_lost),
      [10, 0, 10, 0, 10, 0, 10, 0, 10, 0],
      `${when}: never negative`,
    );
    assert.deepEqual(
      fromA.map((r: any) => r.packets_repaired),
      [undefined, 6, undefined, 6, undefined, 6, undefined, 6, undefined, 6],
    );
    assert.deepEqual(
      fromA.slice(1).map((r: any) => r.freeze_count),
      [1, 0, 1, 0, 1, 0, 1, 0, 1],
    );
    assert.equal(fromA[1].freeze_duration_ms, 400);
    const audioFromA = q.audio_consumer.filter((r: any) => r.ssrc === 1002);
    assert.equal(audioFromA[3].concealed_samples_pct, 5);
    const toA = q.video_producer.filter((r: any) => r.ssrc === 3001);
    assert.deepEqual(
      toA.slice(0, 3).map((r: any) => r.available_outgoing_bitrate_kbps),
      [2500, 2400, 2300],
    );
    assert.equal(toA[2].target_bitrate_kbps, 1200);
    const toC = q.video_producer.filter((r: any) => r.ssrc === 4001);
    assert.deepEqual(
      toC.map((r: any) => r.track_ended === true),
      Array.from({ length: N }, (_, i) => i >= N / 2),
    );
    assert.ok(
      toC
        .slice(N / 2)
        .every((r: any) => r.mos_quality === undefined && /track ended/.test(r.mos_detail.reason)),
    );

    // Per-remote-peer aggregates: A's video loss, C clean; the RealtimeKit aggregates stay pooled.
    const qs = participant.quality_stats;
    const peerStats = (peer: string, series: string) =>
      qs.remote_peer_stats.find((s: any) => s.peer_id === peer && s.series === series);
    assert.ok(
      peerStats('peer-A', 'video_consumer').loss_avg > 4,
      `${when}: A's loss ${peerStats('peer-A', 'video_consumer').loss_avg}`,
    );
    assert.equal(peerStats('peer-C', 'video_consumer').loss_avg, 0);
    assert.deepEqual(peerStats('peer-A', 'video_consumer').ssrcs, [1001]);
    assert.equal(peerStats('peer-A', 'video_consumer').nack_count, 10 * N);
    assert.equal(peerStats('peer-A', 'video_consumer').freeze_count, Math.floor(N / 2));
    assert.equal(peerStats('peer-A', 'audio_consumer').concealed_samples_pct_avg, 5);
    const trackToC = qs.track_stats.find(
      (s: any) => s.series === 'video_producer' && s.ssrc === 4001,
    );
    assert.equal(trackToC.pc_id, 'pc-to-C');
    assert.equal(trackToC.track_ended, true);
    assert.equal(
      trackToC.no_media_s,
      (N / 2) * (STEP / 1000),
      'intervals after the stop carry no packet',
    );
    const trackFromA = qs.track_stats.find((s: any) => s.ssrc === 1001);
    assert.equal(trackFromA.peer_id, 'peer-A');
    assert.equal(trackFromA.consumer_id, 'cons-peer-A');
    assert.equal(
      trackFromA.packets_lost,
      20,
      "A's own final packetsLost: the packets that arrived later are not counted lost",
    );
    assert.equal(trackFromA.packets_repaired, 30);
    assert.ok(
      trackFromA.episodes.some((e: any) => e.kind === 'loss'),
      "trackFromA.episodes.some((e: any) => e.kind === 'loss')",
    );
    assert.ok(
      !qs.track_stats
        .find((s: any) => s.ssrc === 2001)
        .episodes.some((e: any) => e.kind === 'loss'),
    );
    const pooled = (qs.video_stats as any[]).find((s) => s.series === 'video_consumer');
    assert.ok(
      pooled.loss_avg > 0 && pooled.loss_avg < peerStats('peer-A', 'video_consumer').loss_avg,
      'the pooled RealtimeKit figure is kept',
    );
    assert.ok(
      participant.peer_report.quality.video_consumer_cumulative.packet_loss,
      'cumulative kept',
    );

    // Connections name their remote peer; track events are listed.
    const meta = participant.peer_report.metadata;
    assert.deepEqual(
      meta.pc_metadata.map((m: any) => [m.pc, m.remote_peer_id]),
      [
        ['pc-to-A', 'peer-A'],
        ['pc-to-C', 'peer-C'],
      ],
    );
    assert.deepEqual(
      meta.events.map((e: any) => [e.name, e.metadata.pc, e.metadata.track_id]),
      [
        ['track_disabled', 'pc-to-A', 'mic'],
        ['track_ended', 'pc-to-C', 'cam'],
      ],
    );
  };

  check(await report(peerId), 'live');
  await postJson(`${t.url}/ingest/v1/peers/${peerId}/leave`, p.token, {});
  const { db, dialect } = databaseOf(t.server.context.store);
  await compactPeerChunks(db, dialect, peerId, Date.now());
  const stored = await db
    .selectFrom('peers')
    .select('quality_aggregates')
    .where('id', '=', peerId)
    .executeTakeFirstOrThrow();
  assert.match(
    stored.quality_aggregates ?? '',
    /"remote_peer_stats"/,
    'stored with the finished peer',
  );
  check(await report(peerId), 'finished');

  // Aggregates stored by an earlier version (no per-track aggregates) are computed again, not served without them.
  const old = JSON.parse(stored.quality_aggregates as string) as {
    summary: Record<string, unknown>;
  };
  delete old.summary.track_stats;
  delete old.summary.remote_peer_stats;
  await db
    .updateTable('peers')
    .set({ quality_aggregates: JSON.stringify(old) })
    .where('id', '=', peerId)
    .execute();
  check(await report(peerId), 'stored before the per-track aggregates');
});

test('bad evidence values are refused with the field named, the same on both stores', async () => {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: 'bad evidence' });
  const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: 'X',
    preset_name: 'host',
  });
  const { peer_id: peerId } = await postJson(`${t.url}/ingest/v1/join`, p.token, {});
  const sample = { ts: Date.now(), pc: 'pc-1', direction: 'producer', media: 'video', ssrc: 1 };
  for (const [field, value, path] of [
    ['available_outgoing_bitrate', -5, 'samples[0].available_outgoing_bitrate'],
    ['retransmitted_bytes', 'many', 'samples[0].retransmitted_bytes'],
    ['track_ended', 'yes', 'samples[0].track_ended'],
  ] as const) {
    const res = await fetch(`${t.url}/ingest/v1/peers/${peerId}/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        batch_id: `batch-${randomUUID()}`,
        samples: [{ ...sample, [field]: value }],
      }),
    });
    assert.equal(res.status, 400, field);
    const body = (await res.json()) as { errors: { message: string }[] };
    assert.match(JSON.stringify(body.errors), new RegExp(path.replace(/[[\].]/g, '\\$&')), field);
  }
});

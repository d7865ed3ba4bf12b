/**
 * Diagnosis evidence in the derived rows: per-interval deltas of the repair counters, freezes and
 * concealment, the bandwidth figures on producer rows, connection and remote peer ids, counter
 * resets, repaired loss, and no audio score without media or after the track ended.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveInterval } from '../../src/analytics/stream-interval.ts';
import { qualitySummary } from '../../src/analytics/quality-summary.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';
import type { MosResult } from '../../src/analytics/mos-result.ts';
import type { StreamSample } from '../../src/model/telemetry.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function sample(i: number, over: Partial<StreamSample>): StreamSample {
  return {
    ts: T0 + i * 2000,
    pc: 'pc-7',
    direction: 'consumer',
    media: 'video',
    ssrc: 42,
    codec: 'video/VP8',
    rtt_ms: 40,
    ...over,
  };
}

function deriveAll(samples: readonly StreamSample[]) {
  return samples.map((s, i) => deriveInterval(i === 0 ? undefined : samples[i - 1], s));
}

describe('interval evidence: video consumer', () => {
  const base = {
    packets: 1000,
    bytes: 1e6,
    packets_lost: 0,
    frames_decoded: 300,
    nack_count: 10,
    pli_count: 1,
    fir_count: 0,
    retransmitted_packets: 8,
    retransmitted_bytes: 9000,
    fec_packets: 2,
    fec_packets_discarded: 1,
    freeze_count: 0,
    total_freezes_duration_s: 0,
    remote_peer_id: 'peer-A',
  };
  const rows = deriveAll([
    sample(0, base),
    sample(1, {
      ...base,
      packets: 1100,
      bytes: 1.1e6,
      frames_decoded: 360,
      nack_count: 40,
      pli_count: 3,
      retransmitted_packets: 35,
      retransmitted_bytes: 40_000,
      fec_packets: 6,
      fec_packets_discarded: 4,
      freeze_count: 2,
      total_freezes_duration_s: 0.75,
    }),
  ]);

  it('every counter is the delta of the interval, named as the diagnosis reads it', () => {
    const r = rows[1].row;
    assert.deepEqual(
      [
        r.pc_id,
        r.remote_peer_id,
        r.peer_id,
        r.nack_count,
        r.pli_count,
        r.fir_count,
        r.retransmitted_packets,
        r.retransmitted_bytes,
        r.fec_packets_received,
        r.fec_packets_discarded,
        r.freeze_count,
        r.freeze_duration_ms,
      ],
      ['pc-7', 'peer-A', 'peer-A', 30, 2, 0, 27, 31_000, 4, 3, 2, 750],
    );
    const m = rows[1].metrics;
    assert.deepEqual(
      [m.nk, m.pli, m.fir, m.rx, m.rxb, m.fec, m.fecd, m.fc, m.fd],
      [30, 2, 0, 27, 31_000, 4, 3, 2, 750],
      'the stored metric row carries the same repair counters',
    );
    assert.equal(
      r.available_outgoing_bitrate_kbps,
      undefined,
      'a consumer row has no sender estimate',
    );
    assert.equal(r.concealed_samples_pct, undefined, 'video');
  });

  it('the first sample counts from 0 (W3C counters start with the stream)', () => {
    assert.equal(rows[0].row.nack_count, 10);
    assert.equal(rows[0].row.pc_id, 'pc-7');
  });

  it('a counter that goes backwards is a reset: counted from 0, flagged, never negative', () => {
    const [, r] = deriveAll([
      sample(0, base),
      sample(1, { ...base, packets: 1200, nack_count: 3, retransmitted_bytes: 500 }),
    ]);
    assert.equal(r.row.counter_reset, true);
    assert.equal(r.row.nack_count, 3);
    assert.equal(r.row.retransmitted_bytes, 500);
    const [, r2] = deriveAll([
      sample(0, base),
      sample(1, { ...base, packets: 1200, fec_packets: 0 }),
    ]);
    assert.equal(r2.row.counter_reset, true, 'FEC going backwards is a reset too');
  });

  it('absent when the browser does not report a counter, never 0', () => {
    const [, r] = deriveAll([sample(0, { packets: 1 }), sample(1, { packets: 90 })]);
    for (const key of [
      'nack_count',
      'retransmitted_packets',
      'retransmitted_bytes',
      'fec_packets_received',
      'fec_packets_discarded',
      'freeze_count',
      'freeze_duration_ms',
      'remote_peer_id',
    ]) {
      assert.equal(r.row[key], undefined, key);
    }
    assert.equal(JSON.stringify(r.row).includes('nack_count'), false);
  });
});

describe('interval evidence: repaired loss', () => {
  // packetsLost is cumulative: 10 counted lost in interval 1, 6 of them arrive (retransmitted) in interval 2.
  const lost = [0, 10, 4, 4, 9];
  const received = [0, 90, 196, 296, 391];
  const rows = deriveAll(
    lost.map((l, i) =>
      sample(i, {
        media: 'audio',
        codec: 'audio/opus',
        clock_rate: 48000,
        packets: received[i],
        packets_lost: l,
      }),
    ),
  );

  it('the interval where lost packets arrive shows no loss and counts them repaired; no negative value', () => {
    assert.deepEqual(
      rows.map((r) => r.row.packets_lost),
      [0, 10, 0, 0, 5],
    );
    assert.deepEqual(
      rows.map((r) => r.row.packets_repaired),
      [undefined, undefined, 6, undefined, undefined],
    );
    assert.deepEqual(
      rows.map((r) => r.metrics.loss),
      [undefined, 10, 0, 0, 5],
    );
    assert.equal(rows[2].row.counter_reset, undefined, 'packetsLost going down is not a reset');
  });

  it('totals subtract the repaired packets: the stream ends with the browser own cumulative loss', () => {
    const summary = qualitySummary({ audio_consumer: rows.map((r) => r.metrics) });
    assert.equal(summary.total_audio_packets_lost, 9);
    assert.equal((summary.audio_stats as Record<string, unknown>[])[0].packets_lost, 9);
  });

  it('repair beyond what was counted in this call (a rejoin baseline) never makes a total negative', () => {
    const metrics: MetricRow[] = [{ t: T0, pk: 10, pl: 0, rp: 50 }];
    const summary = qualitySummary({ audio_consumer: metrics });
    assert.equal(summary.total_audio_packets_lost, 0);
  });
});

describe('interval evidence: audio', () => {
  const opus = { media: 'audio' as const, codec: 'audio/opus', clock_rate: 48000, jitter_ms: 5 };

  it('concealed samples per interval, percent of the samples received in it', () => {
    const [, r] = deriveAll([
      sample(0, {
        ...opus,
        packets: 100,
        packets_lost: 0,
        concealed_samples: 1000,
        total_samples_received: 96_000,
      }),
      sample(1, {
        ...opus,
        packets: 200,
        packets_lost: 0,
        concealed_samples: 10_600,
        total_samples_received: 192_000,
      }),
    ]);
    assert.equal(r.row.concealed_samples_pct, 10);
    assert.equal(r.metrics.cs, 10);
  });

  it('silent concealment (comfort noise while the sender sends nothing) is not counted', () => {
    const [, r] = deriveAll([
      sample(0, {
        ...opus,
        packets: 100,
        packets_lost: 0,
        concealed_samples: 1000,
        silent_concealed_samples: 500,
        total_samples_received: 96_000,
      }),
      sample(1, {
        ...opus,
        packets: 150,
        packets_lost: 0,
        concealed_samples: 49_000,
        silent_concealed_samples: 38_900,
        total_samples_received: 192_000,
      }),
    ]);
    // (48,000 concealed − 38,400 of them silent) / 96,000 played.
    assert.equal(r.row.concealed_samples_pct, 10);
    assert.equal(r.metrics.cs, 10);
  });

  it('no media received: no score (so the average does not stay at 4.3 over silence), with the reason', () => {
    const [, r] = deriveAll([
      sample(0, { ...opus, packets: 100, packets_lost: 0 }),
      sample(1, { ...opus, packets: 100, packets_lost: 0 }),
    ]);
    assert.equal(r.row.mos_quality, undefined);
    assert.equal(r.metrics.mos, undefined);
    assert.match((r.row.mos_detail as MosResult).reason ?? '', /no media received/);
  });

  it('after the track ended the row says so, and has no score', () => {
    const producer = { ...opus, direction: 'producer' as const, fraction_lost: 0 };
    const [, r] = deriveAll([
      sample(0, { ...producer, packets: 100 }),
      sample(1, { ...producer, packets: 104, track_ended: true }),
    ]);
    assert.equal(r.row.track_ended, true);
    assert.equal(r.metrics.te, 1);
    assert.equal(r.row.mos_quality, undefined);
    assert.match((r.row.mos_detail as MosResult).reason ?? '', /track ended/);
    assert.doesNotMatch((r.row.mos_detail as MosResult).reason ?? '', /DTX/);
  });
});

describe('interval evidence: producer bandwidth', () => {
  it('available outgoing bitrate and encoder target per interval in kbit/s, with the remote peer', () => {
    const p = { direction: 'producer' as const, remote_peer_id: 'peer-C' };
    const rows = deriveAll([
      sample(0, {
        ...p,
        packets: 100,
        bytes: 1e5,
        available_outgoing_bitrate: 300_000,
        target_bitrate: 250_000,
      }),
      sample(1, {
        ...p,
        packets: 300,
        bytes: 3e5,
        available_outgoing_bitrate: 1_234_560,
        target_bitrate: 1_100_000,
      }),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.row.available_outgoing_bitrate_kbps, r.row.target_bitrate_kbps]),
      [
        [300, 250],
        [1234.6, 1100],
      ],
    );
    assert.deepEqual(
      rows.map((r) => [r.metrics.ab, r.metrics.tb]),
      [
        [300, 250],
        [1234.6, 1100],
      ],
    );
    assert.equal(rows[1].row.remote_peer_id, 'peer-C');
    assert.equal(rows[1].row.peer_id, undefined, 'the RealtimeKit producer row keeps its schema');
  });

  it('no target bitrate on audio producer rows', () => {
    const [r] = deriveAll([
      sample(0, {
        direction: 'producer',
        media: 'audio',
        codec: 'audio/opus',
        packets: 10,
        target_bitrate: 32_000,
        available_outgoing_bitrate: 500_000,
      }),
    ]);
    assert.equal(r.row.target_bitrate_kbps, undefined);
    assert.equal(r.row.available_outgoing_bitrate_kbps, 500);
  });
});

describe('received loss over the stream own packets (W3C: packetsReceived includes retransmissions)', () => {
  it('RTX packets (repairs and bandwidth probes) are taken out of the base: 30 lost of 301 own packets is 9 %, not 1.9 %', () => {
    // The measured shape (scenario suite, 10 %-lossy P2P video): 1,556 received of which 1,255 RTX, 30 lost.
    const [, r] = deriveAll([
      sample(0, { packets: 0, packets_lost: 0, retransmitted_packets: 0, bytes: 0 }),
      sample(1, { packets: 1556, packets_lost: 30, retransmitted_packets: 1255, bytes: 1e6 }),
    ]);
    assert.equal(r.row.loss_pct, 9.063);
    assert.equal(r.metrics.loss, 9.06);
  });
  it('without a retransmission count (no RTX) the base stays every packet received', () => {
    const [, r] = deriveAll([
      sample(0, { packets: 0, packets_lost: 0, bytes: 0 }),
      sample(1, { packets: 90, packets_lost: 10, bytes: 1e5 }),
    ]);
    assert.equal(r.row.loss_pct, 10);
  });
});

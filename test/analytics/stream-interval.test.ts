import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cumulativeFor } from '../../src/analytics/cumulative.ts';
import {
  deriveInterval,
  ROW_ADDITIVE_KEYS,
  ROW_SCHEMA_KEYS,
} from '../../src/analytics/stream-interval.ts';
import { EVIDENCE_ROW_KEYS } from '../../src/analytics/interval-evidence.ts';
import type { MosResult } from '../../src/analytics/mos-result.ts';
import type { StreamSample } from '../../src/model/telemetry.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function audioConsumer(i: number, over: Partial<StreamSample> = {}): StreamSample {
  return {
    ts: T0 + i * 1000,
    pc: 'pc1',
    direction: 'consumer',
    media: 'audio',
    ssrc: 1111,
    mid: '0',
    codec: 'audio/opus',
    clock_rate: 48000,
    consumer_id: 'c1',
    producer_id: 'p9',
    remote_peer_id: 'peer9',
    rtt_ms: 60,
    rtt_source: 'remote-outbound-rtp',
    jitter_ms: 8,
    ...over,
  };
}

/** Walks a list of per-second (received, lost) pairs into cumulative samples. */
function audioCall(perSecond: readonly [received: number, lost: number][]): StreamSample[] {
  let packets = 0;
  let lost = 0;
  let jbDelay = 0;
  let emitted = 0;
  return perSecond.map(([r, l], i) => {
    packets += r;
    lost += l;
    emitted += 48000;
    jbDelay += 48000 * 0.06; // 60 ms per emitted sample
    return audioConsumer(i + 1, {
      packets,
      packets_lost: lost,
      bytes: packets * 80,
      jitter_buffer_delay_s: jbDelay,
      jitter_buffer_emitted_count: emitted,
      concealment_events: lost,
    });
  });
}

function deriveAll(samples: readonly StreamSample[]) {
  return samples.map((s, i) => deriveInterval(i === 0 ? undefined : samples[i - 1], s));
}

function assertNoNegativeNumbers(value: unknown, path = 'row'): void {
  if (typeof value === 'number') assert.ok(value >= 0, `${path} = ${value}`);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoNegativeNumbers(v, `${path}.${k}`);
  }
}

describe('deriveInterval: per-interval values', () => {
  it('good → bad → good: loss and MOS recover as soon as the network does', () => {
    const good: [number, number][] = Array.from({ length: 5 }, () => [50, 0]);
    const bad: [number, number][] = Array.from({ length: 5 }, () => [45, 5]);
    const derived = deriveAll(audioCall([...good, ...bad, ...good]));
    const loss = derived.map((d) => d.metrics.loss);
    const mos = derived.map((d) => d.metrics.mos as number);
    assert.deepEqual(loss, [0, 0, 0, 0, 0, 10, 10, 10, 10, 10, 0, 0, 0, 0, 0]);
    // Bad intervals score clearly lower; recovered intervals score exactly like the first ones
    // (a cumulative loss would still be 25/700 = 3.6 % here and keep the score down).
    assert.ok(mos[5] < mos[4] - 1, `bad ${mos[5]} vs good ${mos[4]}`);
    assert.equal(mos[10], mos[1]);
    assert.equal(mos[14], mos[1]);
    // Per-interval counters in the RealtimeKit row, not totals.
    assert.equal(derived[7].row.packets_received, 45);
    assert.equal(derived[7].row.packets_lost, 5);
    assert.equal(derived[12].row.packets_lost, 0);
    assert.equal(derived[7].row.concealment_events, 5);
    assert.equal(derived[7].row.jitter_buffer_delay, 60);
    assert.equal(derived[7].row.jitter_buffer_emitted_count, 48000);
    assert.equal(derived[7].row.bitrate_bps, 45 * 80 * 8);
    assert.equal(derived[7].row.interval_s, 1);
    assert.equal(derived[7].metrics.d, 1);
    assert.equal((derived[7].row.mos_detail as MosResult).inputs.buffer_source, 'jitter_buffer');
  });

  it('good → bad → good through the aggregates: one loss episode exactly over the bad seconds', () => {
    const good: [number, number][] = Array.from({ length: 20 }, () => [50, 0]);
    const bad: [number, number][] = Array.from({ length: 5 }, () => [45, 5]);
    const metrics = deriveAll(audioCall([...good, ...bad, ...good])).map((d) => d.metrics);
    const c = cumulativeFor('audio_consumer', metrics);
    const loss = c.episodes as { kind: string; start: string; end: string; worst: number }[];
    const lossEp = loss.filter((e) => e.kind === 'loss');
    assert.deepEqual(
      lossEp.map((e) => [e.start, e.end, e.worst]),
      [[new Date(T0 + 20_000).toISOString(), new Date(T0 + 25_000).toISOString(), 10]],
    );
    assert.equal((c.packet_loss as Record<string, number>)['10_or_greater_event_fraction'], 0.1111); // 5 of 45
  });

  it('first sample: zero baseline for counts, no duration-based rates', () => {
    const first = audioConsumer(1, {
      packets: 90,
      packets_lost: 10,
      bytes: 7200,
      jitter_buffer_delay_s: 2400,
      jitter_buffer_emitted_count: 48000,
    });
    const d = deriveInterval(undefined, first);
    assert.equal(d.series, 'audio_consumer');
    assert.equal(d.metrics.loss, 10);
    assert.equal(d.metrics.pk, 90);
    assert.equal(d.row.jitter_buffer_delay, 50);
    assert.equal(d.metrics.br, undefined);
    assert.equal(d.metrics.d, undefined);
    assert.equal(d.row.bitrate_bps, undefined);
    assert.equal(d.row.interval_s, undefined);
    assert.equal(typeof d.row.mos_quality, 'number');
  });

  it('counter reset (codec switch): counted from 0, flagged, nothing negative', () => {
    const prev = audioConsumer(1, {
      packets: 5000,
      packets_lost: 40,
      bytes: 400000,
      concealment_events: 40,
      jitter_buffer_delay_s: 300,
      jitter_buffer_emitted_count: 4_800_000,
    });
    const cur = audioConsumer(2, {
      codec: 'audio/PCMU',
      clock_rate: 8000,
      packets: 30,
      packets_lost: 0,
      bytes: 4800,
      concealment_events: 0,
      jitter_buffer_delay_s: 0.5,
      jitter_buffer_emitted_count: 8000,
    });
    const d = deriveInterval(prev, cur);
    assert.equal(d.row.counter_reset, true);
    assert.equal(d.metrics.cr, 1);
    assert.equal(d.row.packets_received, 30);
    assert.equal(d.row.packets_lost, 0);
    assert.equal(d.row.bytes_received, 4800);
    assert.equal(d.metrics.br, undefined, 'no rate from an unknown baseline');
    assert.equal((d.row.mos_detail as MosResult).inputs.counter_reset, 'codec');
    assertNoNegativeNumbers(d.row);
    assertNoNegativeNumbers(d.metrics);
  });

  it('counter reset (packets go backwards, same codec) and timestamp going backwards', () => {
    const prev = audioConsumer(5, { packets: 500, packets_lost: 3, bytes: 40000 });
    const backwards = deriveInterval(
      prev,
      audioConsumer(6, { packets: 20, packets_lost: 0, bytes: 1600 }),
    );
    assert.equal(backwards.row.counter_reset, true);
    assert.equal((backwards.row.mos_detail as MosResult).inputs.counter_reset, 'counter:packets');
    assertNoNegativeNumbers(backwards.metrics);
    const timeTravel = deriveInterval(
      prev,
      audioConsumer(4, { packets: 600, packets_lost: 3, bytes: 48000 }),
    );
    assert.equal(timeTravel.row.counter_reset, true);
    assert.equal(timeTravel.metrics.d, undefined);
    assertNoNegativeNumbers(timeTravel.row);
  });

  it('a decreasing packetsLost (duplicates) clamps the loss at 0', () => {
    const prev = audioConsumer(1, { packets: 100, packets_lost: 5, bytes: 8000 });
    const cur = audioConsumer(2, { packets: 150, packets_lost: 3, bytes: 12000 });
    const d = deriveInterval(prev, cur);
    assert.equal(d.row.counter_reset, undefined);
    assert.equal(d.metrics.loss, 0);
    assert.equal(d.metrics.pl, 0);
    assert.equal(d.row.packets_lost, 0);
  });
});

describe('deriveInterval: RTT sources', () => {
  it('missing RTT (Firefox-like) gives no MOS, with the reason', () => {
    const prev = audioConsumer(1, {
      packets: 50,
      packets_lost: 0,
      bytes: 4000,
      rtt_ms: undefined,
      rtt_source: undefined,
    });
    const cur = audioConsumer(2, {
      packets: 100,
      packets_lost: 1,
      bytes: 8000,
      rtt_ms: undefined,
      rtt_source: undefined,
    });
    const d = deriveInterval(prev, cur);
    const detail = d.row.mos_detail as MosResult;
    assert.equal(d.row.mos_quality, undefined);
    assert.equal(
      'mos_quality' in JSON.parse(JSON.stringify(d.row)),
      false,
      'absent from the stored row, not 0 or null',
    );
    assert.equal(d.metrics.mos, undefined);
    assert.deepEqual(detail.missing, ['rtt_ms']);
    assert.match(detail.reason ?? '', /rtt/i);
    assert.equal(d.metrics.loss, 1.96); // still reported: 1/(50+1)
  });

  it('Safari-like sample (no remote-inbound-rtp, RTT from the candidate pair) still scores', () => {
    const prev = audioConsumer(1, {
      packets: 50,
      packets_lost: 0,
      bytes: 4000,
      rtt_ms: 80,
      rtt_source: 'candidate-pair',
    });
    const cur = audioConsumer(2, {
      packets: 100,
      packets_lost: 0,
      bytes: 8000,
      rtt_ms: 80,
      rtt_source: 'candidate-pair',
    });
    const d = deriveInterval(prev, cur);
    const detail = d.row.mos_detail as MosResult;
    assert.equal(typeof d.row.mos_quality, 'number');
    assert.equal(detail.inputs.rtt_source, 'candidate-pair');
    assert.equal(detail.inputs.buffer_source, '2x_jitter');
  });

  it('uses the interval mean of totalRoundTripTime / roundTripTimeMeasurements when present', () => {
    const prev = audioProducer(1, { total_rtt_s: 10, rtt_measurements: 100, rtt_ms: 500 });
    const cur = audioProducer(2, {
      total_rtt_s: 10.4,
      rtt_measurements: 104,
      rtt_ms: 500,
      packets: 150,
      packets_lost: 0,
      bytes: 12000,
    });
    const d = deriveInterval(prev, cur);
    assert.equal(d.row.rtt, 100);
    assert.equal(
      (d.row.mos_detail as MosResult).inputs.rtt_source,
      'remote-inbound-rtp (interval mean)',
    );
  });
});

function audioProducer(i: number, over: Partial<StreamSample> = {}): StreamSample {
  return {
    ts: T0 + i * 1000,
    pc: 'pc1',
    direction: 'producer',
    media: 'audio',
    ssrc: 2222,
    mid: '1',
    codec: 'audio/opus',
    producer_id: 'p1',
    packets: 100,
    packets_lost: 0,
    bytes: 8000,
    jitter_ms: 5,
    rtt_ms: 40,
    rtt_source: 'remote-inbound-rtp',
    ...over,
  };
}

describe('deriveInterval: producers', () => {
  it('loss from remote-inbound packetsLost over packets sent, fraction_lost as fallback', () => {
    const prev = audioProducer(1);
    const d = deriveInterval(
      prev,
      audioProducer(2, { packets: 150, packets_lost: 5, bytes: 12000 }),
    );
    assert.equal(d.metrics.loss, 10);
    assert.equal(d.row.packets_sent, 50);
    assert.equal(d.row.packets_lost, 5);
    assert.equal(d.row.rtt, 40);
    const noCounters = deriveInterval(
      audioProducer(1, { packets_lost: undefined }),
      audioProducer(2, {
        packets: 150,
        packets_lost: undefined,
        fraction_lost: 0.02,
        bytes: 12000,
      }),
    );
    assert.equal(noCounters.metrics.loss, 2);
    assert.equal((noCounters.row.mos_detail as MosResult).inputs.loss_source, 'fraction_lost');
  });

  it('video producer: fps from frames, limitation reason from durations, negative feedback', () => {
    const base: StreamSample = {
      ts: T0,
      pc: 'pc1',
      direction: 'producer',
      media: 'video',
      ssrc: 3333,
      codec: 'video/VP8',
      producer_id: 'pv',
      packets: 1000,
      packets_lost: 0,
      bytes: 1_000_000,
      frames_encoded: 300,
      key_frames_encoded: 2,
      frame_width: 640,
      frame_height: 360,
      rtt_ms: 50,
      nack_count: 10,
      pli_count: 1,
      fir_count: 0,
      quality_limitation_durations: { none: 9, bandwidth: 1, cpu: 0, other: 0 },
      quality_limitation_reason: 'none',
      quality_limitation_resolution_changes: 1,
    };
    const cur: StreamSample = {
      ...base,
      ts: T0 + 2000,
      packets: 1300,
      packets_lost: 3,
      bytes: 1_250_000,
      frames_encoded: 340,
      key_frames_encoded: 3,
      nack_count: 20,
      pli_count: 2,
      quality_limitation_durations: { none: 9.5, bandwidth: 2.5, cpu: 0, other: 0 },
      quality_limitation_reason: 'bandwidth',
    };
    const d = deriveInterval(base, cur);
    assert.equal(d.series, 'video_producer');
    assert.equal(d.metrics.fps, 20);
    assert.equal(d.metrics.fr, 40);
    assert.equal(d.metrics.kf, 1);
    assert.equal(d.metrics.ql, 'b');
    assert.equal(d.metrics.fb, 11);
    assert.equal(d.metrics.br, 1_000_000);
    assert.equal(d.metrics.loss, 1);
    assert.deepEqual(d.row.quality_limitation_durations, {
      bandwidth: 1.5,
      cpu: 0,
      none: 0.5,
      other: 0,
    });
    assert.equal(d.row.quality_limitation_resolution_changes, 0);
    assert.equal(d.row.pli_count, 1);
    assert.equal(typeof d.row.mos_quality, 'number');
    assert.equal((d.row.mos_detail as MosResult).inputs.expected_fps, 30);
  });
});

describe('deriveInterval: video consumer', () => {
  const base: StreamSample = {
    ts: T0,
    pc: 'pc1',
    direction: 'consumer',
    media: 'video',
    ssrc: 4444,
    codec: 'video/VP8',
    consumer_id: 'cv',
    producer_id: 'pv',
    remote_peer_id: 'peer2',
    packets: 1000,
    packets_lost: 0,
    bytes: 1_000_000,
    frames_decoded: 300,
    frames_dropped: 1,
    key_frames_decoded: 2,
    frame_width: 1280,
    frame_height: 720,
    frames_per_second: 30,
    jitter_ms: 10,
    jitter_buffer_delay_s: 9,
    jitter_buffer_emitted_count: 300,
    total_freezes_duration_s: 0,
    rtt_ms: 40,
    fir_count: 0,
    pli_count: 0,
    nack_count: 0,
  };

  it('freeze ratio per interval and lower MOS while frozen', () => {
    const smooth = deriveInterval(base, {
      ...base,
      ts: T0 + 1000,
      packets: 1150,
      bytes: 1_190_000,
      frames_decoded: 330,
      jitter_buffer_delay_s: 10,
      jitter_buffer_emitted_count: 330,
    });
    const frozen = deriveInterval(base, {
      ...base,
      ts: T0 + 1000,
      packets: 1150,
      bytes: 1_190_000,
      frames_decoded: 330,
      jitter_buffer_delay_s: 10,
      jitter_buffer_emitted_count: 330,
      total_freezes_duration_s: 0.5,
    });
    assert.equal(smooth.metrics.fz, 0);
    assert.equal(frozen.metrics.fz, 0.5);
    assert.ok(
      (frozen.metrics.mos as number) < (smooth.metrics.mos as number),
      '(frozen.metrics.mos as number) < (smooth.metrics.mos as number)',
    );
    assert.equal(smooth.row.jitter_buffer_delay, 33.333);
    assert.equal(smooth.row.frames_decoded, 30);
    assert.equal(smooth.row.peer_id, 'peer2');
  });

  it('flags intervals in which no video flowed', () => {
    const d = deriveInterval(base, { ...base, ts: T0 + 1000, frames_per_second: 0 });
    assert.equal(d.metrics.nv, 1);
    assert.equal(d.row.mos_quality, undefined);
  });
});

describe('deriveInterval: row shape', () => {
  const cases: [string, StreamSample, StreamSample][] = [
    [
      'audio_consumer',
      audioConsumer(1, { packets: 1, bytes: 1, packets_lost: 0 }),
      audioConsumer(2, {
        packets: 60,
        bytes: 5000,
        packets_lost: 1,
        jitter_buffer_delay_s: 1,
        jitter_buffer_emitted_count: 1000,
        concealment_events: 1,
      }),
    ],
    ['audio_producer', audioProducer(1), audioProducer(2, { packets: 150, bytes: 12000 })],
    [
      'screenshare_audio_producer',
      audioProducer(1, { media: 'screenshare_audio' }),
      audioProducer(2, { media: 'screenshare_audio', packets: 150, bytes: 12000 }),
    ],
  ];
  for (const [series, prev, cur] of cases) {
    it(`${series}: only schema keys plus the additive ones`, () => {
      const d = deriveInterval(prev, cur);
      assert.equal(d.series, series);
      const kind = series.replace('screenshare_', '') as keyof typeof ROW_SCHEMA_KEYS;
      const allowed = new Set<string>([
        ...ROW_SCHEMA_KEYS[kind],
        ...ROW_ADDITIVE_KEYS,
        ...EVIDENCE_ROW_KEYS,
      ]);
      for (const key of Object.keys(d.row)) assert.ok(allowed.has(key), `unexpected key ${key}`);
      assert.ok('mos_detail' in d.row, "'mos_detail' in d.row");
      assert.equal(d.row.timestamp, new Date(cur.ts).toISOString());
      assert.equal(d.row.ssrc, cur.ssrc);
    });
  }

  it('a full audio consumer row has every schema key', () => {
    const prev = audioConsumer(1, {
      packets: 1,
      bytes: 80,
      packets_lost: 0,
      jitter_buffer_delay_s: 0,
      jitter_buffer_emitted_count: 0,
      concealment_events: 0,
    });
    const cur = audioConsumer(2, {
      packets: 51,
      bytes: 4080,
      packets_lost: 0,
      jitter_buffer_delay_s: 2.4,
      jitter_buffer_emitted_count: 48000,
      concealment_events: 0,
    });
    const d = deriveInterval(prev, cur);
    const additive: readonly string[] = [...ROW_ADDITIVE_KEYS, ...EVIDENCE_ROW_KEYS];
    assert.deepEqual(
      Object.keys(d.row).filter((k) => !additive.includes(k)),
      [...ROW_SCHEMA_KEYS.audio_consumer],
    );
  });
});

describe('deriveInterval: consumer rows carry the connection RTT (issue 12 item 13)', () => {
  it('audio and video consumers: `rtt` in ms from the selected candidate pair (or remote-outbound-rtp)', () => {
    const prev = audioConsumer(1, { packets: 1, bytes: 80, packets_lost: 0 });
    const cur = audioConsumer(2, {
      packets: 51,
      bytes: 4080,
      packets_lost: 0,
      rtt_ms: 212.5,
      rtt_source: 'candidate-pair',
    });
    const audio = deriveInterval(prev, cur);
    assert.equal(audio.row.rtt, 212.5);
    assert.equal(audio.metrics.rtt, 212.5);
    const video = deriveInterval(
      { ...prev, media: 'video', codec: 'video/VP8', frames_decoded: 10 },
      {
        ...cur,
        media: 'video',
        codec: 'video/VP8',
        frames_decoded: 70,
        rtt_ms: 48,
        rtt_source: 'remote-outbound-rtp',
      },
    );
    assert.equal(video.series, 'video_consumer');
    assert.equal(video.row.rtt, 48);
    // No RTT known: no key (never a 0).
    assert.equal(
      'rtt' in JSON.parse(JSON.stringify(deriveInterval(prev, { ...cur, rtt_ms: undefined }).row)),
      false,
    );
  });
});

describe('deriveInterval: any cumulative counter going backwards', () => {
  /** Every cumulative counter of the telemetry contract (issue 11: a counter that goes backwards is a reset, never a negative delta). */
  const COUNTERS = [
    'packets',
    'bytes',
    'header_bytes',
    'nack_count',
    'pli_count',
    'fir_count',
    'retransmitted_packets',
    'fec_packets',
    'jitter_buffer_delay_s',
    'jitter_buffer_emitted_count',
    'jitter_buffer_target_delay_s',
    'concealment_events',
    'concealed_samples',
    'silent_concealed_samples',
    'total_samples_received',
    'inserted_samples_for_deceleration',
    'removed_samples_for_acceleration',
    'total_audio_energy',
    'frames_encoded',
    'frames_decoded',
    'frames_dropped',
    'frames_received',
    'frames_sent',
    'key_frames_encoded',
    'key_frames_decoded',
    'freeze_count',
    'total_freezes_duration_s',
    'pause_count',
    'total_pauses_duration_s',
    'total_encode_time_s',
    'total_decode_time_s',
    'qp_sum',
    'quality_limitation_resolution_changes',
    'total_rtt_s',
    'rtt_measurements',
  ] as const;
  const shapes: Partial<StreamSample>[] = [
    { media: 'audio', direction: 'consumer' },
    { media: 'audio', direction: 'producer' },
    { media: 'video', direction: 'consumer', codec: 'video/VP8', clock_rate: 90000 },
    { media: 'video', direction: 'producer', codec: 'video/VP8', clock_rate: 90000 },
  ];
  it('never yields a negative figure, and is flagged as a reset wherever the counter is diffed', () => {
    for (const shape of shapes) {
      for (const key of COUNTERS) {
        const full = Object.fromEntries(COUNTERS.map((k) => [k, 5000])) as Partial<StreamSample>;
        const prev = audioConsumer(1, { ...shape, ...full, rtt_ms: undefined });
        const cur = audioConsumer(2, {
          ...shape,
          ...full,
          rtt_ms: undefined,
          ...Object.fromEntries(COUNTERS.map((k) => [k, 5100])),
          [key]: 10,
        });
        const d = deriveInterval(prev, cur);
        assertNoNegativeNumbers(d.row, `${shape.media}_${shape.direction} ${key}: row`);
        assertNoNegativeNumbers(d.metrics, `${shape.media}_${shape.direction} ${key}: metrics`);
      }
    }
  });
  it('a round-trip-time counter going backwards is a reset, not a negative RTT', () => {
    const prev = audioConsumer(1, {
      packets: 100,
      bytes: 8000,
      total_rtt_s: 30,
      rtt_measurements: 300,
      rtt_ms: undefined,
    });
    const cur = audioConsumer(2, {
      packets: 150,
      bytes: 12000,
      total_rtt_s: 0.5,
      rtt_measurements: 310,
      rtt_ms: undefined,
    });
    const d = deriveInterval(prev, cur);
    assert.equal(d.row.counter_reset, true);
    assert.equal((d.row.mos_detail as MosResult).inputs.counter_reset, 'counter:total_rtt_s');
    assertNoNegativeNumbers(d.row);
    assertNoNegativeNumbers(d.metrics);
  });
});

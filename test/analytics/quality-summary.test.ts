import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualitySummary } from '../../src/analytics/quality-summary.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const at = (s: number): number => T0 + s * 1000;
const iso = (s: number): string => new Date(at(s)).toISOString();

describe('qualitySummary', () => {
  it('builds quality_stats from the series rows', () => {
    const audioConsumer: MetricRow[] = [
      { t: at(1), pk: 0, by: 0 },
      { t: at(2), d: 1, pk: 50, pl: 2, by: 4000, mos: 4.2, loss: 3.85, rtt: 40 },
      { t: at(3), d: 1, pk: 50, pl: 0, by: 4000, mos: 4.4, loss: 0, rtt: 60 },
    ];
    const audioProducer: MetricRow[] = [{ t: at(3), d: 2, pk: 100, pl: 1, by: 8000, mos: 4.0 }];
    const videoConsumer: MetricRow[] = [
      { t: at(2), d: 1, pk: 100, pl: 0, by: 100_000, fps: 30, w: 640, mos: 3.5 },
      { t: at(4), d: 2, pk: 200, pl: 5, by: 200_000, fps: 15, w: 320, mos: 2.5 },
    ];
    const q = qualitySummary({
      audio_consumer: audioConsumer,
      audio_producer: audioProducer,
      video_consumer: videoConsumer,
    });
    assert.equal(q.start, iso(1)); // audio producer's interval starts at 1 s, first audio row at 1 s
    assert.equal(q.end, iso(4));
    // Span 3 s. Audio: 16000 bytes → 128000 bits / 3 s = 42.67 kbit/s. Video: 300000 bytes → 800 kbit/s.
    assert.equal(q.audio_bandwidth, 42.67);
    assert.equal(q.video_bandwidth, 800);
    // MOS over all samples: (4.2 + 4.4 + 4.0 + 3.5 + 2.5) / 5 = 3.72.
    assert.equal(q.average_quality, 3.72);
    assert.equal(q.first_audio_packet_received, iso(2));
    assert.equal(q.last_audio_packet_received, iso(3));
    assert.equal(q.first_video_packet_received, iso(2));
    assert.equal(q.last_video_packet_received, iso(4));
    assert.equal(q.total_audio_packets, 200);
    assert.equal(q.total_audio_packets_lost, 3);
    assert.equal(q.total_video_packets, 300);
    assert.equal(q.total_video_packets_lost, 5);
    assert.deepEqual(q.peer_ids, []);
    const audioStats = q.audio_stats as Record<string, unknown>[];
    assert.deepEqual(
      audioStats.map((s) => s.series),
      ['audio_consumer', 'audio_producer'],
    );
    assert.equal(audioStats[0].bitrate_kbps, 32); // 8000 bytes over 2 s
    assert.equal(audioStats[0].rtt_avg, 50);
    const videoStats = q.video_stats as Record<string, unknown>[];
    assert.equal(videoStats[0].fps_avg, 22.5);
    assert.equal(videoStats[0].bitrate_kbps, 800);
  });

  it('per stream: average and p90 of RTT, loss and jitter (a steady 210 ms RTT reads 210, not "0 % ≥ 250 ms")', () => {
    // RTT 210 ms on every sample, one sample at 400; loss 10 % on every sample; jitter 1..10 ms.
    const rows: MetricRow[] = Array.from({ length: 10 }, (_, i) => ({
      t: at(i * 2 + 2),
      d: 2,
      pk: 90,
      pl: 10,
      loss: 10,
      rtt: i === 9 ? 400 : 210,
      jit: i + 1,
    }));
    const stats = (
      qualitySummary({ audio_producer: rows }).audio_stats as Record<string, unknown>[]
    )[0];
    assert.equal(stats.rtt_avg, 229);
    // 90th percentile by linear interpolation between closest ranks: rank 8.1 of 0..9 → 210 + 0.1 × 190.
    assert.equal(stats.rtt_p90, 229);
    assert.equal(stats.loss_avg, 10);
    assert.equal(stats.loss_p90, 10);
    assert.equal(stats.jitter_avg, 5.5);
    assert.equal(stats.jitter_p90, 9.1);
    // A series without the value has no key (never 0).
    const none = (
      qualitySummary({ audio_producer: [{ t: at(1), d: 1 }] }).audio_stats as Record<
        string,
        unknown
      >[]
    )[0];
    assert.equal('rtt_p90' in none, false);
  });

  it('network quality next to MOS: a clean network with a poor camera picture (issue 12 item 15)', () => {
    // Audio scored 4.3 on a clean path; video scored 2.6 for its content, on a clean path (rtt 20, no loss).
    const audio: MetricRow[] = [1, 2, 3].map((i) => ({
      t: at(i * 2),
      d: 2,
      mos: 4.3,
      loss: 0,
      rtt: 20,
    }));
    const video: MetricRow[] = [1, 2, 3].map((i) => ({
      t: at(i * 2),
      d: 2,
      mos: 2.6,
      loss: 0,
      rtt: 20,
      jb: 40,
      fz: 0,
    }));
    const q = qualitySummary({ audio_consumer: audio, video_consumer: video });
    assert.equal(q.average_quality, 3.45);
    assert.ok((q.average_network_quality as number) > 4.3, `network ${q.average_network_quality}`);
    const v = (q.video_stats as Record<string, unknown>[])[0];
    assert.equal(v.mos_avg, 2.6);
    assert.ok((v.network_quality_avg as number) > 4.3, '(v.network_quality_avg as number) > 4.3');
    assert.equal(
      (q.audio_stats as Record<string, unknown>[])[0].network_quality_avg,
      4.3,
      'audio: the E-model score is all network',
    );
  });

  it('has null start/end and zero totals without rows', () => {
    const q = qualitySummary({});
    assert.equal(q.start, null);
    assert.equal(q.end, null);
    assert.equal(q.total_audio_packets, 0);
    assert.equal('average_quality' in q, false);
    assert.equal('audio_bandwidth' in q, false);
    assert.deepEqual(q.audio_stats, []);
  });
});

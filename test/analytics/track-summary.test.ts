/** Per-track and per-remote-peer aggregates: one sender's bad uplink is told from a bad downlink. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseStreamKey,
  trackSummaries,
  type TrackInput,
} from '../../src/analytics/track-summary.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';

const T0 = Date.UTC(2026, 0, 1);

function rows(loss: number, n = 10, over: Partial<MetricRow> = {}): MetricRow[] {
  return Array.from({ length: n }, (_, i) => ({
    t: T0 + (i + 1) * 2000,
    d: 2,
    loss,
    pk: 90,
    pl: Math.round(loss * 0.9),
    mos: 4,
    ...over,
  }));
}

test('remote peers are split: 10 % from A and none from C stay 10 % and 0 %, each with its SSRCs and episodes', () => {
  const tracks: TrackInput[] = [
    {
      series: 'video_consumer',
      stream_key: 'pc-1|consumer|11',
      last: { remote_peer_id: 'A', consumer_id: 'c-a' },
      rows: rows(10),
    },
    {
      series: 'video_consumer',
      stream_key: 'pc-1|consumer|22',
      last: { remote_peer_id: 'C' },
      rows: rows(0),
    },
    {
      series: 'audio_consumer',
      stream_key: 'pc-1|consumer|12',
      last: { remote_peer_id: 'A' },
      rows: rows(0),
    },
    {
      series: 'audio_consumer',
      stream_key: 'pc-1|consumer|13',
      last: { remote_peer_id: 'A' },
      rows: rows(4),
    },
  ];
  const { track_stats, remote_peer_stats } = trackSummaries(tracks);
  assert.deepEqual(
    track_stats.map((t) => [t.series, t.ssrc, t.peer_id, t.loss_avg]),
    [
      ['video_consumer', 11, 'A', 10],
      ['video_consumer', 22, 'C', 0],
      ['audio_consumer', 12, 'A', 0],
      ['audio_consumer', 13, 'A', 4],
    ],
  );
  assert.equal(track_stats[0].consumer_id, 'c-a');
  assert.equal((track_stats[0].episodes as { kind: string }[])[0].kind, 'loss');
  assert.deepEqual((track_stats[1].episodes as unknown[]).length, 0);
  assert.deepEqual(
    remote_peer_stats.map((s) => [
      s.peer_id,
      s.series,
      s.ssrcs,
      s.loss_avg,
      s.sample_count,
      (s.episodes as { kind: string }[]).map((e) => e.kind),
    ]),
    [
      ['A', 'audio_consumer', [12, 13], 2, 20, []],
      ['A', 'video_consumer', [11], 10, 10, ['loss']],
      ['C', 'video_consumer', [22], 0, 10, []],
    ],
  );
});

test('a track without a known remote peer is in track_stats only; no rows, no entry', () => {
  const { track_stats, remote_peer_stats } = trackSummaries([
    { series: 'audio_producer', stream_key: 'pc-1|producer|5', rows: rows(0) },
    { series: 'audio_producer', stream_key: 'pc-1|producer|6', rows: [] },
  ]);
  assert.deepEqual(
    track_stats.map((t) => [t.ssrc, t.peer_id]),
    [[5, undefined]],
  );
  assert.deepEqual(remote_peer_stats, []);
});

test('repair, no-media time, ended track and bandwidth figures are summed or averaged per track', () => {
  const r: MetricRow[] = [
    { t: T0 + 2000, d: 2, pk: 100, pl: 10, nk: 12, rx: 8, ab: 900, tb: 800 },
    { t: T0 + 4000, d: 2, pk: 100, pl: 0, rp: 6, nk: 3, rx: 3, ab: 1100, tb: 1000 },
    { t: T0 + 6000, d: 2, pk: 0, te: 1 },
  ];
  const [t] = trackSummaries([
    { series: 'video_producer', stream_key: 'pc|with|bar|producer|9', rows: r },
  ]).track_stats;
  assert.deepEqual(
    [
      t.pc_id,
      t.ssrc,
      t.packets_lost,
      t.packets_repaired,
      t.nack_count,
      t.retransmitted_packets,
      t.available_outgoing_bitrate_kbps,
      t.target_bitrate_kbps_avg,
      t.no_media_s,
      t.track_ended,
      t.freeze_count,
    ],
    ['pc|with|bar', 9, 4, 6, 15, 11, { avg: 1000, min: 900 }, 900, 2, true, undefined],
  );
});

test('stream keys split from the right (a connection id may contain |)', () => {
  assert.deepEqual(parseStreamKey('a|b|consumer|42'), {
    pc: 'a|b',
    direction: 'consumer',
    ssrc: 42,
  });
});

test('PLI, FIR, retransmitted bytes and FEC received and discarded are summed per track, absent when never reported', () => {
  const r: MetricRow[] = [
    { t: T0 + 2000, d: 2, pk: 100, pli: 1, fir: 0, rxb: 1200, fec: 10, fecd: 8 },
    { t: T0 + 4000, d: 2, pk: 100, pli: 2, fir: 1, rxb: 600, fec: 5, fecd: 5 },
    { t: T0 + 6000, d: 2, pk: 100 },
  ];
  const { track_stats } = trackSummaries([
    { series: 'video_consumer', stream_key: 'pc|consumer|3', rows: r },
    {
      series: 'video_consumer',
      stream_key: 'pc|consumer|4',
      rows: [{ t: T0 + 2000, d: 2, pk: 9 }],
    },
  ]);
  const pick = (t: Record<string, unknown>) => [
    t.pli_count,
    t.fir_count,
    t.retransmitted_bytes,
    t.fec_packets_received,
    t.fec_packets_discarded,
  ];
  assert.deepEqual(pick(track_stats[0]), [3, 1, 1800, 15, 13]);
  assert.deepEqual(pick(track_stats[1]), [undefined, undefined, undefined, undefined, undefined]);
});

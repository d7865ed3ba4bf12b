import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cumulativeFor } from '../../src/analytics/cumulative.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const at = (s: number): number => T0 + s * 1000;
const iso = (s: number): string => new Date(at(s)).toISOString();

describe('cumulativeFor: audio consumer', () => {
  // Ten 1-second intervals; the 7th has no loss/MOS (no packets).
  const loss = [0, 0, 6, 12, 30, 60, undefined, 0, 0, 0];
  const mos = [4.4, 4.4, 3.8, 3.0, 2.0, 1.2, undefined, 4.4, 4.4, 4.4];
  const jb = [50, 50, 120, 260, 600, 600, undefined, 50, 50, 50];
  const rows: MetricRow[] = loss.map((l, i) => {
    const row: MetricRow = { t: at(i + 1), d: 1 };
    if (l !== undefined) row.loss = l;
    if (mos[i] !== undefined) row.mos = mos[i];
    if (jb[i] !== undefined) row.jb = jb[i];
    return row;
  });
  const c = cumulativeFor('audio_consumer', rows);

  it('has exactly the AudioConsumerStatsCumulative groups plus additive keys', () => {
    assert.deepEqual(Object.keys(c).sort(), [
      'episodes',
      'jitter_buffer_delay',
      'packet_loss',
      'quality_mos',
      'sample_count',
      'time_weighted',
      'worst_10s_mos',
      'worst_10s_window',
    ]);
  });

  it('packet-loss fractions count only samples that have a loss value', () => {
    // 9 samples with loss: ≥5 → {6,12,30,60} = 4/9; ≥10 → 3/9; ≥25 → 2/9; ≥50 → 1/9; avg 108/9 = 12.
    assert.deepEqual(c.packet_loss, {
      '5_or_greater_event_fraction': 0.4444,
      '10_or_greater_event_fraction': 0.3333,
      '25_or_greater_event_fraction': 0.2222,
      '50_or_greater_event_fraction': 0.1111,
      avg: 12,
    });
  });

  it('jitter-buffer fractions use ms thresholds', () => {
    // {50,50,120,260,600,600,50,50,50}: ≥100 → 4/9, ≥250 → 3/9, ≥500 → 2/9; avg 1830/9 = 203.33.
    assert.deepEqual(c.jitter_buffer_delay, {
      '100ms_or_greater_event_fraction': 0.4444,
      '250ms_or_greater_event_fraction': 0.3333,
      '500ms_or_greater_event_fraction': 0.2222,
      avg: 203.33,
    });
  });

  it('MOS percentiles by linear interpolation between closest ranks', () => {
    // Sorted: 1.2, 2.0, 3.0, 3.8, 4.4×5. n = 9. p50: h = 4 → 4.4; p75: h = 6 → 4.4;
    // p90: h = 7.2 → 4.4. avg = 32/9 = 3.5556.
    assert.deepEqual(c.quality_mos, { avg: 3.56, p50: 4.4, p75: 4.4, p90: 4.4 });
  });

  it('lists degradation episodes with start, end and worst value', () => {
    assert.deepEqual(c.episodes, [
      // loss ≥ 5 % from the interval ending at 3 s to the one ending at 6 s.
      { kind: 'loss', start: iso(2), end: iso(6), worst: 60, samples: 4 },
      { kind: 'jitter_buffer', start: iso(3), end: iso(6), worst: 600, samples: 3 },
      { kind: 'mos', start: iso(3), end: iso(6), worst: 1.2, samples: 3 },
    ]);
    assert.equal(c.sample_count, 10);
    // One full window, (0 s, 10 s], with 9 scored seconds (≥ 5 required): mean 32/9 = 3.56.
    assert.equal(c.worst_10s_mos, 3.56);
    assert.deepEqual(c.worst_10s_window, { start: iso(0), end: iso(10) });
    assert.equal(
      cumulativeFor('audio_consumer', rows.slice(0, 9)).worst_10s_mos,
      undefined,
      'under 10 s: no window',
    );
  });
});

describe('cumulativeFor: time weighting, percentiles, worst window', () => {
  it('time-weighted fractions differ from sample fractions when intervals differ', () => {
    const rows: MetricRow[] = [
      { t: at(3), d: 3, loss: 10, rtt: 300, mos: 3 },
      { t: at(4), d: 1, loss: 0, rtt: 50, mos: 4 },
    ];
    const c = cumulativeFor('audio_producer', rows);
    const pl = c.packet_loss as Record<string, number>;
    assert.equal(pl['5_or_greater_event_fraction'], 0.5);
    assert.equal(pl.avg, 5);
    const tw = c.time_weighted as Record<string, Record<string, number>>;
    assert.equal(tw.packet_loss['5_or_greater_event_fraction'], 0.75);
    assert.equal(tw.packet_loss.avg, 7.5);
    assert.equal(tw.rtt['250ms_or_greater_event_fraction'], 0.75);
    assert.deepEqual(tw.quality_mos, { avg: 3.25 });
    assert.equal(tw.duration_s, 4);
    assert.deepEqual(c.rtt, {
      '100ms_or_greater_event_fraction': 0.5,
      '250ms_or_greater_event_fraction': 0.5,
      '500ms_or_greater_event_fraction': 0,
      avg: 175,
    });
    // MOS {3, 4}: p50 = 3.5, p75 = 3.75, p90 = 3.9.
    assert.deepEqual(c.quality_mos, { avg: 3.5, p50: 3.5, p75: 3.75, p90: 3.9 });
  });

  it('worst 10-second window MOS', () => {
    // 30 one-second intervals at 4.4, except 11..15 s at 2.0: the worst full window
    // holds the five bad seconds and five good ones: (5·2.0 + 5·4.4)/10 = 3.2.
    const rows: MetricRow[] = Array.from({ length: 30 }, (_, i) => ({
      t: at(i + 1),
      d: 1,
      mos: i + 1 >= 11 && i + 1 <= 15 ? 2 : 4.4,
    }));
    const c = cumulativeFor('audio_consumer', rows);
    assert.equal(c.worst_10s_mos, 3.2);
    const reversed = cumulativeFor('audio_consumer', [...rows].reverse());
    assert.equal(reversed.worst_10s_mos, 3.2, 'row order does not matter');
    assert.deepEqual(reversed.episodes, c.episodes);
  });

  it('merges bad samples separated by one good sample into one episode, not by two', () => {
    const loss = [10, 0, 10, 0, 0, 10];
    const rows: MetricRow[] = loss.map((l, i) => ({ t: at(i + 1), d: 1, loss: l }));
    const eps = cumulativeFor('audio_consumer', rows).episodes as {
      start: string;
      end: string;
      samples: number;
    }[];
    assert.deepEqual(
      eps.map((e) => [e.start, e.end, e.samples]),
      [
        [iso(0), iso(3), 2],
        [iso(5), iso(6), 1],
      ],
    );
  });
});

describe('cumulativeFor: video', () => {
  it('video consumer: fps/width percentiles over flowing samples, issues, key-frame fraction', () => {
    const rows: MetricRow[] = [
      { t: at(1), d: 1, fps: 30, w: 1280, h: 720, kf: 1, fr: 30, mos: 4 },
      { t: at(2), d: 1, fps: 8, w: 640, h: 360, kf: 0, fr: 8, mos: 3 },
      { t: at(3), d: 1, fps: 30, w: 320, h: 176, kf: 0, fr: 30, fz: 0.2, mos: 2 },
      { t: at(4), d: 1, fps: 0, nv: 1, fr: 0 },
    ];
    const c = cumulativeFor('video_consumer', rows);
    // fps over flowing samples {8, 30, 30}: avg 22.67, p50 30, p75 30, p90 30.
    assert.deepEqual(c.frame_per_second, { avg: 22.67, p50: 30, p75: 30, p90: 30 });
    // widths {320, 640, 1280}: p50 640, p75 960, p90 1152.
    assert.deepEqual(c.frame_width, { avg: 746.7, p50: 640, p75: 960, p90: 1152 });
    assert.deepEqual(c.issues, {
      lag_fraction: 0.6667, // 8 fps, and a frozen interval
      no_video_fraction: 0.25,
      poor_resolution_fraction: 0.3333, // 320×176
    });
    assert.equal(c.key_frames_decoded_fraction, 0.0147); // 1 / 68
    assert.equal('rtt' in c, false, 'VideoConsumerStatsCumulative has no rtt');
    assert.deepEqual(
      (c.episodes as { kind: string }[]).map((e) => e.kind),
      ['mos', 'freeze'],
    );
  });

  it('video producer: limitation fractions and high negative feedback', () => {
    const rows: MetricRow[] = [
      { t: at(1), d: 1, fps: 30, w: 1280, h: 720, ql: 'b', fb: 2, rtt: 120, kf: 1, fr: 30 },
      { t: at(2), d: 1, fps: 30, w: 1280, h: 720, ql: 'c', fb: 12, rtt: 120, kf: 0, fr: 30 },
      { t: at(3), d: 1, fps: 30, w: 1280, h: 720, ql: 'o', fb: 0, rtt: 600, kf: 0, fr: 30 },
      { t: at(4), d: 2, fps: 30, w: 1280, h: 720, fb: 10, rtt: 80, kf: 0, fr: 60 },
    ];
    const c = cumulativeFor('screenshare_video_producer', rows);
    assert.deepEqual(c.issues, {
      bandwidth_quality_limitation_fraction: 0.25,
      cpu_quality_limitation_fraction: 0.25,
      no_video_fraction: 0,
      poor_resolution_fraction: 0,
      quality_limitation_fraction: 0.75,
    });
    // fb/d: 2, 12, 0, 5 per second → ≥ 5/s in 2 of 4.
    assert.equal(c.high_negative_feedback_fraction, 0.5);
    assert.equal(c.key_frames_encoded_fraction, 0.0067); // 1 / 150
    assert.deepEqual(c.rtt, {
      '100ms_or_greater_event_fraction': 0.75,
      '250ms_or_greater_event_fraction': 0.25,
      '500ms_or_greater_event_fraction': 0.25,
      avg: 230,
    });
    const tw = c.time_weighted as Record<string, Record<string, number>>;
    assert.equal(tw.issues.quality_limitation_fraction, 0.6); // 3 s of 5
  });
});

describe('cumulativeFor: edge cases', () => {
  it('caps episodes at 100 (earliest first) and says so', () => {
    // 300 isolated 1-s loss spikes, 3 s apart: 300 loss episodes.
    const rows: MetricRow[] = Array.from({ length: 900 }, (_, i) => ({
      t: at(i + 1),
      d: 1,
      loss: i % 3 === 0 ? 20 : 0,
    }));
    const c = cumulativeFor('audio_producer', rows);
    const eps = c.episodes as { start: string }[];
    assert.equal(eps.length, 100);
    assert.equal(c.episodes_truncated, true);
    assert.equal(eps[0].start, iso(0));
    assert.equal(eps[99].start, iso(297));
  });

  it('empty input gives {}', () => {
    for (const s of [
      'audio_consumer',
      'audio_producer',
      'video_consumer',
      'video_producer',
    ] as const) {
      assert.deepEqual(cumulativeFor(s, []), {});
    }
  });

  it('rows without values give no groups and no NaN', () => {
    const c = cumulativeFor('video_producer', [{ t: at(1) }, { t: at(2) }]);
    assert.equal(c.sample_count, 2);
    assert.equal('quality_mos' in c, false);
    assert.equal('packet_loss' in c, false);
    assert.equal(JSON.stringify(c).includes('null'), false);
    assert.equal(Number.isNaN(JSON.parse(JSON.stringify(c)).sample_count), false);
  });
});

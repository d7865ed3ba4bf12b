/** The built-in live issue detector (pure): sustained runs over thresholds, per stream, one issue per kind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sustainedRun,
  thresholdDetector,
  atLeast,
} from '../../src/webhooks/live-issue-detector.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';

/** Rows every 2 s ending at t = 100 s, with `values` of `metric` (oldest first). */
function rows(metric: 'loss' | 'rtt' | 'jit', values: (number | undefined)[]): MetricRow[] {
  return values.map((v, i) => ({ t: 100_000 - (values.length - 1 - i) * 2000, d: 2, [metric]: v }));
}

test('a run counts back from the newest row while the figure stays at or over the threshold', () => {
  const r = sustainedRun(rows('loss', [20, 1, 6, 7, 5]), 'loss', 5)!;
  assert.equal(r.until, 100_000);
  assert.equal(r.since, 100_000 - 3 * 2000, 'three rows: the interval of the oldest one included');
  assert.equal(r.worst, 7);
  assert.equal(
    sustainedRun(rows('loss', [20, 20, 1]), 'loss', 5),
    undefined,
    'over, then recovered: no issue now',
  );
  assert.equal(
    sustainedRun(rows('loss', [20, undefined, 20]), 'loss', 5)?.since,
    100_000 - 2000,
    'an unknown figure breaks the run',
  );
  assert.equal(sustainedRun([], 'loss', 5), undefined);
});

test('the detector reports the most severe level that lasted long enough, once per kind across streams', () => {
  const streams = [
    { series: 'audio_consumer', streamKey: 'a', rows: rows('loss', [3, 3, 3, 3, 3, 20, 20]) },
    { series: 'video_consumer', streamKey: 'v', rows: rows('loss', [6, 6, 6, 6, 6, 6, 6]) },
  ];
  const issues = thresholdDetector.detect(streams, { minDurationMs: 10_000 });
  assert.equal(issues.length, 1);
  assert.equal(issues[0].kind, 'packet_loss');
  // 20 % lasted only 4 s on audio; 6 % (major) lasted 14 s on video; minor 3 % lasted 14 s on audio.
  assert.equal(issues[0].severity, 'major');
  assert.equal(issues[0].detail.series, 'video_consumer');
  assert.equal(issues[0].durationMs, 14_000);
  assert.deepEqual(
    thresholdDetector.detect(streams, { minDurationMs: 2_000 }).map((i) => i.severity),
    ['critical'],
  );
  assert.deepEqual(thresholdDetector.detect(streams, { minDurationMs: 60_000 }), []);
});

test('RTT and jitter rules; jitter only on audio; clean figures raise nothing', () => {
  const rtt = thresholdDetector.detect(
    [{ series: 'video_producer', streamKey: 'v', rows: rows('rtt', Array(10).fill(1200)) }],
    { minDurationMs: 10_000 },
  );
  assert.deepEqual(
    rtt.map((i) => [i.kind, i.severity]),
    [['high_rtt', 'critical']],
  );
  const videoJitter = thresholdDetector.detect(
    [{ series: 'video_consumer', streamKey: 'v', rows: rows('jit', Array(10).fill(200)) }],
    { minDurationMs: 10_000 },
  );
  assert.deepEqual(videoJitter, []);
  const audioJitter = thresholdDetector.detect(
    [{ series: 'audio_consumer', streamKey: 'a', rows: rows('jit', Array(10).fill(60)) }],
    { minDurationMs: 10_000 },
  );
  assert.deepEqual(
    audioJitter.map((i) => [i.kind, i.severity]),
    [['high_jitter', 'major']],
  );
  assert.deepEqual(
    thresholdDetector.detect(
      [{ series: 'audio_consumer', streamKey: 'a', rows: rows('loss', Array(30).fill(0.5)) }],
      { minDurationMs: 1 },
    ),
    [],
  );
});

test('severity order', () => {
  assert.ok(atLeast('critical', 'major'));
  assert.ok(atLeast('major', 'major'));
  assert.ok(!atLeast('minor', 'major'));
});

/** Live issues from the diagnosis engine (pure): ongoing episodes only, one per kind, the most severe. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atLeast, liveIssues, LIVE_DETECTOR_ID } from '../../src/webhooks/live-issue-detector.ts';
import { loadWebhookConfig } from '../../src/webhooks/webhook-config.ts';
import { DIAGNOSIS_METHOD } from '../../src/analytics/diagnosis/engine.ts';
import { at, during, intervals, peer, stream } from '../analytics/diagnosis/build-input.ts';

const live = (streams: Parameters<typeof peer>[0]) => peer(streams, { leftAt: undefined });

test('an episode still open at the newest interval is live, with its start and duration', () => {
  // 60 intervals of 2 s; loss 12 % (poor) from interval 40 to the end.
  const input = live([
    stream(
      'pc1|consumer|1',
      'receive',
      'audio',
      intervals(60, (k) => ({ lossPct: k >= 40 ? 12 : 0 })),
    ),
  ]);
  const issues = liveIssues(input, { minDurationMs: 10_000 });
  assert.equal(issues.length, 1, `one issue: ${JSON.stringify(issues)}`);
  const [i] = issues;
  assert.equal(i.kind, 'packet_loss');
  assert.equal(i.severity, 'poor');
  assert.equal(i.since, at(80), 'from the start of interval 40');
  assert.equal(i.durationMs, at(120) - at(80));
  assert.equal(i.detail.direction, 'receive');
  assert.equal(i.detail.medium, 'audio');
  assert.equal(i.detail.metric, 'packet_loss_pct');
  assert.deepEqual(i.detail.streams, ['pc1|consumer|1']);
  assert.equal(LIVE_DETECTOR_ID, DIAGNOSIS_METHOD);
});

test('an episode that ended before the newest interval is not live; a short one does not last long enough', () => {
  const ended = live([
    stream(
      'pc1|consumer|1',
      'receive',
      'audio',
      intervals(60, (k) => ({ lossPct: during(k, 10, 40) ? 30 : 0 })),
    ),
  ]);
  assert.deepEqual(liveIssues(ended, { minDurationMs: 1_000 }), []);
  const ongoing = live([
    stream(
      'pc1|consumer|1',
      'receive',
      'audio',
      intervals(60, (k) => ({ lossPct: k >= 54 ? 30 : 0 })),
    ),
  ]);
  assert.equal(liveIssues(ongoing, { minDurationMs: 1_000 }).length, 1, 'live at 1 s');
  assert.deepEqual(liveIssues(ongoing, { minDurationMs: 60_000 }), [], 'not for 60 s yet');
});

test('one issue per kind across streams: the most severe', () => {
  const input = live([
    stream(
      'pc1|consumer|1',
      'receive',
      'audio',
      intervals(60, (k) => ({ lossPct: k >= 20 ? 6 : 0 })),
    ),
    stream(
      'pc1|consumer|2',
      'receive',
      'video',
      intervals(60, (k) => ({ lossPct: k >= 40 ? 40 : 0 })),
    ),
  ]);
  const issues = liveIssues(input, { minDurationMs: 10_000 });
  assert.deepEqual(
    issues.map((i) => [i.kind, i.severity, i.detail.medium]),
    [['packet_loss', 'bad', 'video']],
  );
});

test('severity order and the configuration: diagnosis names, earlier names as aliases', () => {
  assert.ok(atLeast('bad', 'poor'), 'bad ≥ poor');
  assert.ok(atLeast('poor', 'poor'), 'poor ≥ poor');
  assert.ok(!atLeast('fair', 'poor'), 'fair < poor');
  assert.equal(loadWebhookConfig({}).alerts.minSeverity, 'poor');
  assert.equal(
    loadWebhookConfig({ PEER_REPORT_ALERT_MIN_SEVERITY: 'bad' }).alerts.minSeverity,
    'bad',
  );
  assert.equal(
    loadWebhookConfig({ PEER_REPORT_ALERT_MIN_SEVERITY: 'critical' }).alerts.minSeverity,
    'bad',
  );
  assert.equal(
    loadWebhookConfig({ PEER_REPORT_ALERT_MIN_SEVERITY: 'minor' }).alerts.minSeverity,
    'fair',
  );
});

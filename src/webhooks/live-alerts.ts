/**
 * The `peer.qualityAlert` trigger: every few seconds, the live peers of apps
 * with a webhook subscribed to alerts are diagnosed over their recent
 * telemetry by the diagnosis engine (live-issue-detector.ts). An issue of at
 * least the configured severity that has lasted the configured time fires,
 * at most once per peer per issue kind per window: the alert mark
 * (`webhook_alerts`) and the outbox rows are written in one transaction, and
 * the mark is taken with an upsert that only succeeds when the previous alert
 * of that kind is older than the window, so processes scanning the same peers
 * never fire twice.
 */
import type { Store } from '../store/store.ts';
import type { AlertConfig } from './webhook-config.ts';
import { atLeast, LIVE_DETECTOR_ID, liveIssues } from './live-issue-detector.ts';
import { yieldToEventLoop } from '../util/yield-to-event-loop.ts';

/** Live peers checked per scan, at most. */
const MAX_PEERS_PER_SCAN = 2_000;

/**
 * How far back telemetry is read beyond the minimum duration (ms): covers
 * batch intervals and gives the episodes their opening context (an issue
 * older than the whole look-back is reported as lasting that long).
 */
const LOOKBACK_MARGIN_MS = 60_000;

/** Checks the live peers once; returns the alerts fired. */
export async function scanLiveAlerts(
  store: Store,
  config: AlertConfig,
  now: number,
): Promise<{ peerId: string; kind: string }[]> {
  const apps = await store.webhooks.alertedApps();
  if (apps.length === 0) return [];
  const lookback = now - config.minDurationMs - LOOKBACK_MARGIN_MS;
  const peers = await store.webhooks.livePeersSeenSince(apps, lookback, MAX_PEERS_PER_SCAN);
  const fired: { peerId: string; kind: string }[] = [];
  for (const peer of peers) {
    const input = await store.webhooks.liveDiagnosisInput(peer, lookback);
    for (const issue of liveIssues(input, { minDurationMs: config.minDurationMs })) {
      if (!atLeast(issue.severity, config.minSeverity)) continue;
      const alert = { ...issue, detector: LIVE_DETECTOR_ID };
      if (await store.webhooks.fireAlert(peer, alert, config.windowMs, now))
        fired.push({ peerId: peer.id, kind: issue.kind });
    }
    await yieldToEventLoop();
  }
  return fired;
}

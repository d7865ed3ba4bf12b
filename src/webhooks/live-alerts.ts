/**
 * The `peer.qualityAlert` trigger: every few seconds, the live peers of apps
 * with a webhook subscribed to alerts are checked by a
 * {@link LiveIssueDetector} over their recent per-interval figures. An issue
 * of at least the configured severity that has lasted the configured time
 * fires, at most once per peer per issue kind per window: the alert mark
 * (`webhook_alerts`) and the outbox rows are written in one transaction, and
 * the mark is taken with an upsert that only succeeds when the previous alert
 * of that kind is older than the window, so processes scanning the same peers
 * never fire twice.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { StoreDialect } from '../store/store-dialect.ts';
import type { AlertConfig } from './webhook-config.ts';
import { unpackMetricRows } from '../analytics/metric-packing.ts';
import type { MetricRow } from '../analytics/metric-row.ts';
import {
  atLeast,
  thresholdDetector,
  type LiveIssue,
  type LiveIssueDetector,
  type LiveStream,
} from './live-issue-detector.ts';
import { recordPeerQualityAlert } from './outbox.ts';
import { yieldToEventLoop } from '../util/yield-to-event-loop.ts';

/** Live peers checked per scan, at most. */
const MAX_PEERS_PER_SCAN = 2_000;

/** How far back chunks are read beyond the minimum duration (ms): covers batch intervals. */
const LOOKBACK_MARGIN_MS = 30_000;

/** Reads a peer's recent streams (chunks stored since `since`, server clock). */
async function recentStreams(
  db: Kysely<Database>,
  peerId: string,
  since: number,
): Promise<LiveStream[]> {
  const chunks = await db
    .selectFrom('quality_chunks')
    .select(['series', 'stream_key', 'first_ts', 'metrics'])
    .where('peer_id', '=', peerId)
    .where('received_at', '>=', since)
    .execute();
  const byStream = new Map<string, { series: string; streamKey: string; rows: MetricRow[] }>();
  for (const c of chunks.sort((a, b) => Number(a.first_ts) - Number(b.first_ts))) {
    const key = `${c.series}\u0000${c.stream_key}`;
    let s = byStream.get(key);
    if (!s) byStream.set(key, (s = { series: c.series, streamKey: c.stream_key, rows: [] }));
    unpackMetricRows(c.metrics, s.rows);
  }
  for (const s of byStream.values()) s.rows.sort((a, b) => a.t - b.t);
  return [...byStream.values()];
}

/**
 * Checks the live peers once; returns the alerts fired. `detector` defaults to
 * the built-in threshold detector.
 */
export async function scanLiveAlerts(
  db: Kysely<Database>,
  _dialect: StoreDialect,
  config: AlertConfig,
  now: number,
  detector: LiveIssueDetector = thresholdDetector,
): Promise<{ peerId: string; kind: string }[]> {
  const hooks = await db
    .selectFrom('webhooks')
    .select(['app_id', 'events'])
    .where('enabled', '=', 1)
    .execute();
  const apps = [
    ...new Set(
      hooks
        .filter((h) => (JSON.parse(h.events) as string[]).includes('peer.qualityAlert'))
        .map((h) => h.app_id),
    ),
  ];
  if (apps.length === 0) return [];
  const lookback = now - config.minDurationMs - LOOKBACK_MARGIN_MS;
  const peers = await db
    .selectFrom('peers')
    .select(['id', 'account_id'])
    .where('status', '=', 'live')
    .where('app_id', 'in', apps)
    .where('last_seen_at', '>=', lookback)
    .limit(MAX_PEERS_PER_SCAN)
    .execute();
  const fired: { peerId: string; kind: string }[] = [];
  for (const peer of peers) {
    const issues = detector.detect(await recentStreams(db, peer.id, lookback), {
      minDurationMs: config.minDurationMs,
    });
    for (const issue of issues) {
      if (!atLeast(issue.severity, config.minSeverity) || issue.durationMs < config.minDurationMs)
        continue;
      if (await fireAlert(db, peer, issue, detector.id, config.windowMs, now))
        fired.push({ peerId: peer.id, kind: issue.kind });
    }
    await yieldToEventLoop();
  }
  return fired;
}

/** Takes the alert mark and records the event, in one transaction; false when the window's alert was already sent or the peer left. */
async function fireAlert(
  db: Kysely<Database>,
  peer: { id: string; account_id: string },
  issue: LiveIssue,
  detectorId: string,
  windowMs: number,
  now: number,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const live = await tx
      .selectFrom('peers')
      .select('status')
      .where('id', '=', peer.id)
      .executeTakeFirst();
    if (live?.status !== 'live') return false;
    const taken = await tx
      .insertInto('webhook_alerts')
      .values({ account_id: peer.account_id, peer_id: peer.id, kind: issue.kind, fired_at: now })
      .onConflict((oc) =>
        oc
          .columns(['peer_id', 'kind'])
          .doUpdateSet({ fired_at: now })
          .where('webhook_alerts.fired_at', '<=', now - windowMs),
      )
      .returning('peer_id')
      .executeTakeFirst();
    if (!taken) return false;
    return recordPeerQualityAlert(tx, peer.id, { ...issue, detector: detectorId });
  });
}

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
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { StoreDialect } from '../store/store-dialect.ts';
import type { AlertConfig } from './webhook-config.ts';
import { atLeast, LIVE_DETECTOR_ID, liveIssues, type LiveIssue } from './live-issue-detector.ts';
import { recordPeerQualityAlert } from './outbox.ts';
import { yieldToEventLoop } from '../util/yield-to-event-loop.ts';
import { liveDiagnosisInput } from '../store/live-diagnosis-input.ts';

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
  db: Kysely<Database>,
  dialect: StoreDialect,
  config: AlertConfig,
  now: number,
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
    .select(['id', 'account_id', 'joined_at'])
    .where('status', '=', 'live')
    .where('app_id', 'in', apps)
    .where('last_seen_at', '>=', lookback)
    .limit(MAX_PEERS_PER_SCAN)
    .execute();
  const fired: { peerId: string; kind: string }[] = [];
  for (const peer of peers) {
    const input = await liveDiagnosisInput(db, dialect, peer, lookback);
    for (const issue of liveIssues(input, { minDurationMs: config.minDurationMs })) {
      if (!atLeast(issue.severity, config.minSeverity)) continue;
      if (await fireAlert(db, peer, issue, config.windowMs, now))
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
    return recordPeerQualityAlert(tx, peer.id, { ...issue, detector: LIVE_DETECTOR_ID });
  });
}

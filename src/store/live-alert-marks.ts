/**
 * What the `peer.qualityAlert` trigger (src/webhooks/live-alerts.ts) reads and writes: the apps whose webhooks
 * subscribe to alerts, their recently seen live peers, and the alert mark with its outbox rows, in one
 * transaction (the upsert takes the mark only when the previous alert of that kind is older than the window, so
 * processes scanning the same peers never fire twice).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { recordPeerQualityAlert } from './webhook-outbox.ts';

/** The alert an issue fires (as the outbox records it). */
type AlertDescription = Parameters<typeof recordPeerQualityAlert>[2];

/** Apps with an enabled webhook subscribed to `peer.qualityAlert`. */
export async function alertedApps(db: Kysely<Database>): Promise<string[]> {
  const hooks = await db
    .selectFrom('webhooks')
    .select(['app_id', 'events'])
    .where('enabled', '=', 1)
    .execute();
  return [
    ...new Set(
      hooks
        .filter((h) => (JSON.parse(h.events) as string[]).includes('peer.qualityAlert'))
        .map((h) => h.app_id),
    ),
  ];
}

/** Live peers of `apps` seen since `since`, at most `limit`. */
export async function livePeersSeenSince(
  db: Kysely<Database>,
  apps: string[],
  since: number,
  limit: number,
): Promise<{ id: string; account_id: string; joined_at: number }[]> {
  if (apps.length === 0) return [];
  return db
    .selectFrom('peers')
    .select(['id', 'account_id', 'joined_at'])
    .where('status', '=', 'live')
    .where('app_id', 'in', apps)
    .where('last_seen_at', '>=', since)
    .limit(limit)
    .execute();
}

/** Takes the alert mark and records the event, in one transaction; false when the window's alert was already sent or the peer left. */
export async function fireAlert(
  db: Kysely<Database>,
  peer: { id: string; account_id: string },
  issue: AlertDescription & { kind: string },
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
    return recordPeerQualityAlert(tx, peer.id, issue);
  });
}

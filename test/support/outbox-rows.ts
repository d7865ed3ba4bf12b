/**
 * Pending `webhook_deliveries` rows as a causing transaction writes them (src/store/webhook-outbox.ts), for tests
 * and benchmarks that fill the outbox directly: one event id per event, one row per webhook.
 */
import { randomUUID } from 'node:crypto';

/** Where the events belong. */
export interface OutboxTarget {
  accountId: string;
  appId: string;
}

/** `events` pending `meeting.participantJoined` events with `body`, each for every webhook of `webhookIds`. */
export function pendingDeliveries(
  target: OutboxTarget,
  webhookIds: readonly string[],
  events: number,
  body: string,
) {
  const rows = [];
  for (let i = 0; i < events; i++) {
    const eventId = randomUUID();
    for (const webhookId of webhookIds)
      rows.push({
        webhook_id: webhookId,
        account_id: target.accountId,
        app_id: target.appId,
        event_id: eventId,
        event: 'meeting.participantJoined',
        body,
        status: 'pending',
        attempts: 0,
        created_at: Date.now(),
      });
  }
  return rows;
}

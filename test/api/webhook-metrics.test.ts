/**
 * The webhook figures of `/metrics` through the real server (on the store
 * TEST_DATABASE_URL selects): the backlog gauge counts the outbox's pending
 * deliveries while the receiver is down (failed attempts counted), and drops
 * to zero once it recovers and everything is delivered (delivered attempts
 * counted).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { joinPeer, leavePeer, meetingWithParticipants } from '../support/meeting-traffic.ts';
import { parsePromText, promValue, type PromText } from '../support/prometheus-text.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const METRICS_TOKEN = 'metrics-token-for-the-webhook-test-0123';

let t: TestServer;
let rx: WebhookReceiver;
before(async () => {
  t = await startTestServer({
    metricsToken: METRICS_TOKEN,
    metricsGaugeTtlMs: 0,
    webhooks: testWebhookConfig({ retryBaseMs: 100, retryMaxDelayMs: 200 }),
  });
  rx = await startWebhookReceiver();
  rx.respondWith(503);
  await sdk7(t.baseURL, t.token).realtimeKit.webhooks.createWebhook(t.appId, {
    account_id: t.accountId,
    name: 'metrics',
    url: rx.url,
    events: ['meeting.started', 'meeting.participantJoined', 'meeting.participantLeft'] as any,
  });
});
after(async () => {
  await t.close();
  await rx.close();
});

async function scrape(): Promise<PromText> {
  const res = await fetch(`${t.url}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  assert.equal(res.status, 200, 'metrics answer');
  return parsePromText(await res.text());
}

async function pendingInDatabase(): Promise<number> {
  const rows = await databaseOf(t.server.context.store)
    .db.selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .execute();
  return rows.length;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook metrics', () => {
  test('the backlog gauge follows the outbox; attempts are counted by outcome', async () => {
    const { participants } = await meetingWithParticipants(t, 2, 'metrics');
    const peers = [];
    for (const p of participants) peers.push(await joinPeer(t.url, p));
    await leavePeer(t.url, participants[0], peers[0]);
    // meeting.started, two participantJoined, one participantLeft: queued behind a receiver that answers 503.
    await until(async () => rx.received.length >= 2, 'failed attempts');
    assert.equal(await pendingInDatabase(), 4, 'four events pending');
    const down = await scrape();
    assert.equal(promValue(down, 'peer_report_webhook_backlog_events'), 4, 'backlog gauge');
    assert.ok(
      promValue(down, 'peer_report_webhook_deliveries_total', { outcome: 'failed' }) >= 2,
      'failed attempts counted',
    );

    rx.respondWith(200);
    await until(async () => (await pendingInDatabase()) === 0, 'all delivered');
    const up = await scrape();
    assert.equal(promValue(up, 'peer_report_webhook_backlog_events'), 0, 'backlog drained');
    assert.equal(
      promValue(up, 'peer_report_webhook_deliveries_total', { outcome: 'delivered' }),
      4,
      'four delivered',
    );
  });
});

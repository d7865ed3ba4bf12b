/**
 * Webhook delivery against real HTTP receivers on 127.0.0.1: the events that
 * joins and leaves cause, signed with the documented scheme and verified with
 * the served public key; subscription-only; retries in order after a receiver
 * outage; final 4xx failures; timeouts; disabling after persistent failure;
 * refusal of a target that resolves to a forbidden address at delivery time;
 * and the delivery log.
 */
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import {
  fetchWebhookPublicKey,
  signatureVerifies,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.ts';
import {
  runMeeting,
  meetingWithParticipants,
  joinPeer,
  leavePeer,
} from '../support/meeting-traffic.ts';
import type { WebhookConfig } from '../../src/webhooks/webhook-config.ts';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
after(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  config: Partial<WebhookConfig> = {},
  extra: Record<string, unknown> = {},
): Promise<{ t: TestServer; rx: WebhookReceiver }> {
  const t = await startTestServer({ webhooks: testWebhookConfig(config), ...extra });
  const rx = await startWebhookReceiver();
  cleanups.push(
    () => t.close(),
    () => rx.close(),
  );
  return { t, rx };
}

async function createHook(
  t: TestServer,
  url: string,
  events: string[],
  name = 'test hook',
): Promise<string> {
  const res = await sdk7(t.baseURL, t.token).realtimeKit.webhooks.createWebhook(t.appId, {
    account_id: t.accountId,
    name,
    url,
    events: events as any,
  });
  return res.data.id;
}

async function deliveryLog(t: TestServer, webhookId: string, query = ''): Promise<any> {
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/webhooks/${webhookId}/deliveries${query}`,
    { headers: { authorization: `Bearer ${t.token}` } },
  );
  return { status: res.status, ...((await res.json()) as any) };
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const MEETING_EVENTS = [
  'meeting.started',
  'meeting.ended',
  'meeting.participantJoined',
  'meeting.participantLeft',
];

describe('webhook delivery', () => {
  test('joins and leaves produce the four meeting events, signed, in order, only to subscribers', async () => {
    const { t, rx } = await setup();
    const all = await createHook(t, rx.url, [...MEETING_EVENTS, 'recording.statusUpdate']);
    const joinsOnly = await createHook(t, `${rx.url}?joins`, ['meeting.participantJoined']);
    const off = await createHook(t, `${rx.url}?off`, MEETING_EVENTS);
    await sdk7(t.baseURL, t.token).realtimeKit.webhooks.editWebhook(off, {
      account_id: t.accountId,
      app_id: t.appId,
      enabled: false,
    });

    const peers = await runMeeting(t, 2, 'Support call');
    await rx.waitFor((r) => r.length >= 8, 20_000, '6 events + 2 joins');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(
      rx.received.length,
      8,
      'nothing more (no disabled webhook, no unsubscribed event)',
    );

    const key = await fetchWebhookPublicKey(t.url);
    for (const w of rx.received) {
      assert.ok(
        signatureVerifies(w, key),
        `signature of ${w.body.event} verifies over the raw body`,
      );
      assert.equal(w.headers['content-type'], 'application/json');
      assert.match(String(w.headers['rtk-uuid']), /^[0-9a-f-]{36}$/);
      assert.equal(
        w.raw.toString('utf8'),
        JSON.stringify(w.body),
        'compact JSON: re-stringifying verifiers pass too',
      );
    }
    const main = rx.received.filter((w) => w.headers['rtk-webhook-id'] === all);
    assert.deepEqual(
      main.map((w) => w.body.event),
      [
        'meeting.started',
        'meeting.participantJoined',
        'meeting.participantJoined',
        'meeting.participantLeft',
        'meeting.participantLeft',
        'meeting.ended',
      ],
    );
    const joins = rx.received.filter((w) => w.headers['rtk-webhook-id'] === joinsOnly);
    assert.deepEqual(
      joins.map((w) => w.body.event),
      ['meeting.participantJoined', 'meeting.participantJoined'],
    );
    assert.deepEqual(
      joins.map((w) => w.headers['rtk-uuid']),
      main
        .filter((w) => w.body.event === 'meeting.participantJoined')
        .map((w) => w.headers['rtk-uuid']),
      'one event id per event, the same for every webhook',
    );
    assert.equal(new Set(main.map((w) => w.headers['rtk-uuid'])).size, 6);

    const [started, joined1, , left1, , ended] = main.map((w) => w.body);
    assert.equal(started.meeting.title, 'Support call');
    assert.equal(started.meeting.status, 'LIVE');
    assert.equal(started.meeting.organizedBy.id, t.appId);
    assert.equal(started.meeting.organizedBy.name, 'test app');
    assert.equal(started.meeting.endedAt, undefined);
    assert.match(started.meeting.startedAt, /Z$/);
    assert.equal(joined1.participant.peerId, peers[0]);
    assert.equal(joined1.participant.userDisplayName, 'User 1');
    assert.equal(joined1.participant.customParticipantId, 'user-1');
    assert.equal(joined1.participant.clientSpecificId, 'user-1');
    assert.equal(joined1.meeting.sessionId, started.meeting.sessionId);
    assert.ok(
      left1.participant.leftAt >= left1.participant.joinedAt,
      'left1.participant.leftAt >= left1.participant.joinedAt',
    );
    assert.equal(ended.reason, 'ALL_PARTICIPANTS_LEFT');
    assert.ok(
      ended.meeting.endedAt >= ended.meeting.startedAt,
      'ended.meeting.endedAt >= ended.meeting.startedAt',
    );

    await waitUntil(
      'all recorded',
      async () => (await deliveryLog(t, all, '?status=delivered')).data.length === 6,
    );
    const log = await deliveryLog(t, all);
    assert.equal(log.data.length, 6);
    assert.ok(
      log.data.every(
        (d: any) =>
          d.status === 'delivered' &&
          d.attempts === 1 &&
          d.last_status_code === 200 &&
          d.delivered_at,
      ),
    );
    assert.deepEqual(
      log.data.map((d: any) => d.id).reverse(),
      main.map((w) => w.headers['rtk-uuid']),
      'log newest first, ids = rtk-uuid',
    );
    assert.equal((await deliveryLog(t, off)).data.length, 0, 'a disabled webhook queues nothing');
  });

  test('a receiver that is down for a while gets every event after it recovers, in order, each id at least once', async () => {
    const { t, rx } = await setup();
    const id = await createHook(t, rx.url, MEETING_EVENTS);
    await rx.down();
    for (let i = 0; i < 3; i++) await runMeeting(t, 2, `call ${i}`);
    await waitUntil('failed attempts in the log', async () =>
      (await deliveryLog(t, id, '?status=pending')).data.some((d: any) => d.attempts >= 2),
    );
    const pending = await deliveryLog(t, id, '?status=pending&per_page=100');
    assert.equal(pending.data.length, 18);
    const head = pending.data[pending.data.length - 1];
    assert.match(head.last_error, /ECONNREFUSED/);
    assert.ok(head.next_attempt_at, 'the next attempt is scheduled');
    assert.ok(
      pending.data.slice(0, -1).every((d: any) => d.attempts === 0),
      'later events wait behind the head',
    );
    await rx.up();
    await rx.waitFor((r) => rx.accepted().length >= 18, 20_000, '18 events after recovery');
    const order = (await deliveryLog(t, id, '?per_page=100')).data.map((d: any) => d.id).reverse();
    assert.deepEqual(
      rx.accepted().map((w) => w.headers['rtk-uuid']),
      order,
      'received in recording order',
    );
    // Outcomes are recorded after the answers, in groups.
    await waitUntil(
      'all recorded as delivered',
      async () => (await deliveryLog(t, id, '?status=delivered&per_page=100')).data.length === 18,
    );
  });

  test('4xx is a final failure (not retried, later events go on); 5xx is retried', async () => {
    const { t, rx } = await setup();
    const id = await createHook(t, rx.url, [
      'meeting.participantJoined',
      'meeting.participantLeft',
    ]);
    const { participants } = await meetingWithParticipants(t, 1);
    rx.respondWith(410);
    const peer = await joinPeer(t.url, participants[0]);
    await waitUntil(
      'the failed join',
      async () => (await deliveryLog(t, id, '?status=failed')).data.length === 1,
    );
    rx.respondWith(503);
    await leavePeer(t.url, participants[0], peer);
    await rx.waitFor(
      (r) => r.filter((w) => w.status === 503).length >= 2,
      20_000,
      'retries of the leave',
    );
    rx.respondWith(200);
    await rx.waitFor(() => rx.accepted().length === 1, 20_000, 'the leave delivered');
    await new Promise((r) => setTimeout(r, 200));
    const joins = rx.received.filter((w) => w.body.event === 'meeting.participantJoined');
    assert.equal(joins.length, 1, 'the 410 was not retried');
    const failed = (await deliveryLog(t, id, '?status=failed')).data[0];
    assert.equal(failed.last_status_code, 410);
    assert.match(failed.last_error, /HTTP 410: receiver says no/);
    await waitUntil(
      'the leave recorded',
      async () => (await deliveryLog(t, id, '?status=delivered')).data.length === 1,
    );
    const delivered = (await deliveryLog(t, id, '?status=delivered')).data[0];
    assert.equal(delivered.event, 'meeting.participantLeft');
    assert.ok(delivered.attempts >= 3, 'delivered.attempts >= 3');
  });

  test('persistent failure disables the webhook (visible through the API); enabling it again resumes delivery', async () => {
    const { t, rx } = await setup({ retryForMs: 1_500 });
    rx.respondWith(500);
    const id = await createHook(t, rx.url, ['meeting.started']);
    await runMeeting(t, 1);
    const cf = sdk7(t.baseURL, t.token);
    await waitUntil(
      'the webhook disabled',
      async () =>
        (
          await cf.realtimeKit.webhooks.getWebhookByID(id, {
            account_id: t.accountId,
            app_id: t.appId,
          })
        ).data.enabled === false,
    );
    const w = (
      await cf.realtimeKit.webhooks.getWebhookByID(id, { account_id: t.accountId, app_id: t.appId })
    ).data as any;
    assert.match(w.disabled_reason, /delivery failed .*HTTP 500/);
    const failed = (await deliveryLog(t, id)).data[0];
    assert.equal(failed.status, 'failed');
    assert.ok(
      failed.attempts >= 1 && failed.last_status_code === 500,
      'failed.attempts >= 1 && failed.last_status_code === 500',
    );
    assert.equal(rx.received.length, failed.attempts, 'every attempt reached the receiver');
    const attempts = rx.received.length;
    await runMeeting(t, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.received.length, attempts, 'a disabled webhook gets nothing');
    assert.equal((await deliveryLog(t, id)).data.length, 1, 'and queues nothing');

    rx.respondWith(200);
    const enabled = (
      await cf.realtimeKit.webhooks.editWebhook(id, {
        account_id: t.accountId,
        app_id: t.appId,
        enabled: true,
      })
    ).data as any;
    assert.equal(enabled.enabled, true);
    assert.equal(enabled.disabled_reason, undefined);
    await runMeeting(t, 1);
    await rx.waitFor(() => rx.accepted().length === 1, 20_000, 'delivery after re-enabling');
  });

  test('an attempt that gets no answer times out and is retried; a large answer is cut at the limit', async () => {
    const { t } = await setup({ requestTimeoutMs: 300, maxResponseBytes: 64 });
    let calls = 0;
    const slow = http.createServer((req, res) => {
      calls++;
      req.resume();
      if (calls === 1) return; // never answers
      res.writeHead(500).end('x'.repeat(100_000));
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          slow.close(() => r());
          slow.closeAllConnections();
        }),
    );
    const id = await createHook(t, `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, [
      'meeting.started',
    ]);
    await runMeeting(t, 1);
    await waitUntil('two attempts', async () => (await deliveryLog(t, id)).data[0]?.attempts >= 2);
    const entry = (await deliveryLog(t, id)).data[0];
    assert.equal(entry.status, 'pending');
    assert.equal(entry.last_status_code, 500);
    assert.ok(
      entry.last_error.length < 120,
      `the answer is cut (${entry.last_error.length} chars)`,
    );
  });

  test('a target that resolves to a refused address at delivery time (DNS rebinding) gets nothing', async () => {
    const { t, rx } = await setup();
    const port = new URL(rx.url).port;
    const id = await createHook(t, `http://localhost:${port}/hooks`, ['meeting.started']);
    // As if `localhost` had re-resolved from a public to a loopback address since it was saved.
    t.server.config.webhooks.allowPrivate = 'none';
    await runMeeting(t, 1);
    await waitUntil(
      'a refused attempt',
      async () => (await deliveryLog(t, id)).data[0]?.attempts >= 1,
    );
    assert.match((await deliveryLog(t, id)).data[0].last_error, /loopback address/);
    assert.equal(rx.received.length, 0);
  });

  test('the delivery log: paging, status filter, errors for bad parameters', async () => {
    const { t, rx } = await setup();
    const id = await createHook(t, rx.url, MEETING_EVENTS);
    await runMeeting(t, 2);
    await rx.waitFor((r) => r.length >= 6);
    await waitUntil(
      'all recorded',
      async () => (await deliveryLog(t, id, '?status=delivered')).data.length === 6,
    );
    const page = await deliveryLog(t, id, '?per_page=4&page_no=2');
    assert.equal(page.data.length, 2);
    assert.deepEqual(page.paging, { start_offset: 5, end_offset: 6, total_count: 6 });
    assert.equal(page.data[1].event, 'meeting.started', 'oldest last');
    const bad = await deliveryLog(t, id, '?status=lost');
    assert.equal(bad.status, 400);
    assert.equal(bad.error.field, 'status');
    assert.equal((await deliveryLog(t, '00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await deliveryLog(t, 'nope')).status, 400);
  });

  test('an imported dump (a call that is over) produces no events; a live call afterwards does', async () => {
    const { t, rx } = await setup({}, { compactAfterMs: 0 });
    const id = await createHook(t, rx.url, [...MEETING_EVENTS, 'peer.qualityReport']);
    const dump = fs.readFileSync(
      fileURLToPath(
        new URL('../fixtures/webrtc-internals/chromium-156-loopback.json.gz', import.meta.url),
      ),
    );
    const res = await fetch(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/imports`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/octet-stream' },
        body: new Blob([dump]),
      },
    );
    assert.equal(res.status, 201, await res.clone().text());
    await runMeeting(t, 1, 'live after import');
    await rx.waitFor((r) => r.length >= 4, 20_000, "the live call's events");
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(
      rx.received.every((w) => w.body.meeting.title === 'live after import'),
      rx.received.map((w) => `${w.body.event} ${w.body.meeting.title}`).join(', '),
    );
    assert.equal(
      (await deliveryLog(t, id)).data.filter((d: any) => d.event !== 'peer.qualityReport').length,
      4,
    );
  });

  test('a webhook deleted (or disabled) mid-delivery gets at most the deliveries already read, then nothing', async () => {
    const t = await startTestServer({ webhooks: testWebhookConfig() });
    const rx = await startWebhookReceiver(0, 30);
    cleanups.push(
      () => t.close(),
      () => rx.close(),
    );
    const id = await createHook(t, rx.url, MEETING_EVENTS);
    await rx.down();
    for (let i = 0; i < 20; i++) await runMeeting(t, 1, `call ${i}`);
    await rx.up();
    await rx.waitFor((r) => r.length >= 3, 20_000, 'delivery under way');
    await sdk7(t.baseURL, t.token).realtimeKit.webhooks.deleteWebhook(id, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    const atDelete = rx.received.length;
    await new Promise((r) => setTimeout(r, 2_500));
    assert.ok(
      rx.received.length <= atDelete + 33,
      `${rx.received.length - atDelete} sent after the delete`,
    );
    assert.ok(rx.received.length < 80, `stopped well before the 80 queued (${rx.received.length})`);
    const after = rx.received.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rx.received.length, after, 'nothing more');
  });
});

/**
 * Webhook delivery on a thread of its own (src/webhooks/delivery-thread.ts): an idle server without webhooks
 * starts no thread; the first recorded event starts it; and deliveries go on while the server's event loop is
 * blocked (the reason for the thread: on that loop a busy ingest held every request of a webhook's chain), which
 * the same test shows failing with `PEER_REPORT_WEBHOOK_THREAD=0`. The receiver runs in a process of its own, so
 * its answers do not wait on the blocked loop either.
 */
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import { startReceiverProcess, type ReceiverProcess } from '../support/receiver-process.ts';
import { runMeeting } from '../support/meeting-traffic.ts';
import { databaseOf } from '../../src/store/store-internals.ts';
import { pendingDeliveries } from '../support/outbox-rows.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
after(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(deliveryThread: boolean): Promise<{ t: TestServer; rx: ReceiverProcess }> {
  const t = await startTestServer({ webhooks: testWebhookConfig({ deliveryThread }) });
  cleanups.push(() => t.close());
  const rx = await startReceiverProcess();
  cleanups.push(() => rx.close());
  return { t, rx };
}

async function createHook(t: TestServer, url: string): Promise<string> {
  const res = await sdk7(t.baseURL, t.token).realtimeKit.webhooks.createWebhook(t.appId, {
    account_id: t.accountId,
    name: 'thread test',
    url,
    events: ['meeting.started', 'meeting.participantJoined'] as any,
  });
  return res.data.id;
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Writes `n` pending deliveries for `webhookId` straight into the outbox (committed when this returns), then
 * blocks this process's event loop for `blockMs`; returns the block's start and end (epoch ms).
 */
async function enqueueThenBlock(
  t: TestServer,
  webhookId: string,
  n: number,
  blockMs: number,
): Promise<{ from: number; to: number }> {
  const body = JSON.stringify({ event: 'meeting.participantJoined', test: true });
  await databaseOf(t.server.context.store)
    .db.insertInto('webhook_deliveries')
    .values(pendingDeliveries(t, [webhookId], n, body))
    .execute();
  const from = Date.now();
  while (Date.now() - from < blockMs) {
    // busy: nothing else runs on this thread
  }
  return { from, to: Date.now() };
}

describe('webhook delivery on a thread of its own', () => {
  test('an idle server without webhooks runs no delivery thread; the first recorded event starts it', async () => {
    const { t, rx } = await setup(true);
    const thread = t.server.webhooks.thread;
    assert.ok(thread, 'delivery is on a thread by default');
    await runMeeting(t, 2, 'nobody listens');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(thread.running, false, 'no webhook, no event, no thread');

    await createHook(t, rx.url);
    await runMeeting(t, 2, 'someone listens');
    await waitUntil('meeting.started and two joins', () => rx.count() >= 3);
    assert.equal(thread.running, true, 'the recorded events started the thread');
  });

  for (const deliveryThread of [true, false]) {
    test(`deliveries while the server's event loop is blocked: ${deliveryThread ? 'go on from the thread' : 'wait, on the server loop (the baseline)'}`, async () => {
      const { t, rx } = await setup(deliveryThread);
      const hook = await createHook(t, rx.url);
      // Warm: the thread is up and has a connection to the receiver.
      await runMeeting(t, 1, 'warm-up');
      await waitUntil('the warm-up events', () => rx.count() >= 2);
      rx.reset();
      const block = await enqueueThenBlock(t, hook, 300, 1_500);
      await waitUntil('all 300 deliveries', () => rx.count() >= 300, 30_000);
      const during = (await rx.arrivals()).filter((at) => at >= block.from && at <= block.to);
      if (deliveryThread)
        assert.ok(
          during.length >= 30,
          `at least 30 of 300 deliveries arrived during the 1.5 s block, got ${during.length}`,
        );
      else
        assert.ok(
          during.length <= 1,
          `on the blocked loop at most the request already on the wire arrives, got ${during.length}`,
        );
    });
  }
});

/**
 * Webhook delivery from several real `peer-report serve` processes on one
 * store (PostgreSQL when TEST_DATABASE_URL is set, else one embedded data
 * directory):
 * - two processes deliver every event of several webhooks exactly once
 *   between them, in order per webhook (the store's commit order, and each
 *   meeting's causal order: started, joins before leaves, ended);
 * - `kill -9` of the delivering process mid-delivery loses no event: another
 *   process takes the webhook over when its lease expires, and every event
 *   arrives at least once, in order of first arrival, de-duplicable by id.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnServerProcess, type ServerProcess } from '../support/server-process.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import { sdk7 } from '../support/sdk.ts';
import { TEST_WEBHOOK_ENV } from '../support/webhook-config.ts';
import {
  fetchWebhookPublicKey,
  signatureVerifies,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.ts';
import { runMeeting } from '../support/meeting-traffic.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';

/** A fresh store, credentials in it, and the processes started on it. */
interface Store {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  db: OpenDatabase;
  accountId: string;
  appId: string;
  token: string;
  processes: ServerProcess[];
  spawn(): Promise<ServerProcess>;
  close(): Promise<void>;
}

async function freshStore(extraEnv: NodeJS.ProcessEnv = {}): Promise<Store> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-webhooks-'));
  const base = process.env.TEST_DATABASE_URL;
  const pg = base ? await freshPostgresUrl(base) : undefined;
  const env = {
    ...TEST_WEBHOOK_ENV,
    PEER_REPORT_INGEST_WORKERS: '0',
    ...extraEnv,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
  };
  const db = await openDatabase({ dataDir, databaseUrl: pg?.url });
  const accountId = `acct${randomBytes(6).toString('hex')}`;
  const { token } = await createApiToken(db.db, accountId, 'Realtime Admin');
  const app = await createApp(db.db, accountId, 'webhooks');
  const store: Store = {
    dataDir,
    env,
    db,
    accountId,
    appId: app.id,
    token,
    processes: [],
    async spawn() {
      const p = await spawnServerProcess({ dataDir, env });
      store.processes.push(p);
      return p;
    },
    async close() {
      await Promise.all(store.processes.map((p) => p.stop()));
      await db.close();
      if (pg) await dropPostgresSchema(base!, pg.schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return store;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const MEETING_EVENTS = [
  'meeting.started',
  'meeting.ended',
  'meeting.participantJoined',
  'meeting.participantLeft',
] as const;

async function createHook(url: string, s: Store, target: string): Promise<string> {
  return (
    await sdk7(`${url}/client/v4`, s.token).realtimeKit.webhooks.createWebhook(s.appId, {
      account_id: s.accountId,
      name: target,
      url: target,
      events: [...MEETING_EVENTS],
    })
  ).data.id;
}

/**
 * Event ids of a webhook in delivery order, from the store: commit order, i.e. ids on SQLite (one writer), the
 * positions numbered after commit on PostgreSQL (src/store/webhook-order.ts).
 */
async function recordedOrder(
  s: Store,
  webhookId: string,
): Promise<{ event_id: string; status: string }[]> {
  return s.db.db
    .selectFrom('webhook_deliveries')
    .select(['event_id', 'status'])
    .where('webhook_id', '=', webhookId)
    .orderBy(s.db.dialect === 'postgres' ? 'position' : 'id')
    .orderBy('id')
    .execute();
}

/**
 * The causal order of each meeting's events as `webhookId` received them (first arrivals): `meeting.started`
 * first, each peer's join before its leave, `meeting.ended` last. Returns the violations.
 */
function causalViolations(rx: WebhookReceiver, webhookId: string): string[] {
  const bySession = new Map<string, { event: string; peer?: string }[]>();
  for (const w of rx.accepted()) {
    if (w.headers['rtk-webhook-id'] !== webhookId) continue;
    const session = String(w.body.meeting?.sessionId);
    const list = bySession.get(session) ?? [];
    list.push({ event: String(w.body.event), peer: w.body.participant?.peerId });
    bySession.set(session, list);
  }
  const wrong: string[] = [];
  for (const [session, events] of bySession) {
    const names = events.map((e) => e.event);
    if (names[0] !== 'meeting.started') wrong.push(`${session}: starts with ${names[0]}`);
    if (names.at(-1) !== 'meeting.ended') wrong.push(`${session}: ends with ${names.at(-1)}`);
    const joined = new Set<string>();
    for (const e of events) {
      if (e.event === 'meeting.participantJoined') joined.add(String(e.peer));
      if (e.event === 'meeting.participantLeft' && !joined.has(String(e.peer)))
        wrong.push(`${session}: ${e.peer} left before it joined`);
    }
  }
  return wrong;
}

/** First arrivals at `rx` for `webhookId`, in arrival order. */
function firstArrivals(rx: WebhookReceiver, webhookId: string): string[] {
  return rx
    .accepted()
    .filter((w) => w.headers['rtk-webhook-id'] === webhookId)
    .map((w) => String(w.headers['rtk-uuid']));
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhook delivery from several processes', () => {
  test('two processes deliver each event of three webhooks once between them, in order per webhook', async () => {
    // A long lease: on a busy machine a stalled holder must not lose its webhook (that would be a legitimate re-send).
    const s = await freshStore({ PEER_REPORT_WEBHOOK_LEASE_MS: '20000' });
    cleanups.push(() => s.close());
    const rx = await startWebhookReceiver(0, 2);
    cleanups.push(() => rx.close());
    const [a, b] = await Promise.all([s.spawn(), s.spawn()]);
    const hooks = [];
    for (let i = 0; i < 3; i++)
      hooks.push(await createHook(i % 2 ? b.url : a.url, s, `${rx.url}?w=${i}`));
    const server = (p: ServerProcess) => ({
      url: p.url,
      token: s.token,
      accountId: s.accountId,
      appId: s.appId,
    });
    await Promise.all([0, 1, 2, 3].map((i) => runMeeting(server(i % 2 ? b : a), 2, `call ${i}`)));
    const total = 4 * 6 * hooks.length;
    await rx.waitFor(() => rx.accepted().length >= total, 60_000, `${total} deliveries`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rx.received.length, total, 'no event sent twice');
    for (const id of hooks) {
      const order = await recordedOrder(s, id);
      assert.equal(order.length, 24);
      assert.deepEqual(
        firstArrivals(rx, id),
        order.map((o) => o.event_id),
        'in recording (commit) order',
      );
      assert.deepEqual(causalViolations(rx, id), [], 'each meeting in causal order');
    }
    const key = await fetchWebhookPublicKey(b.url);
    assert.equal(key, await fetchWebhookPublicKey(a.url), 'one key for every process');
    assert.ok(rx.received.every((w) => signatureVerifies(w, key)));
  });

  test('kill -9 of the delivering process mid-delivery loses no event', async () => {
    const s = await freshStore();
    cleanups.push(() => s.close());
    const rx = await startWebhookReceiver(0, 25);
    cleanups.push(() => rx.close());
    const a = await s.spawn();
    const hook = await createHook(a.url, s, rx.url);
    await rx.down();
    for (let i = 0; i < 10; i++)
      await runMeeting(
        { url: a.url, token: s.token, accountId: s.accountId, appId: s.appId },
        1,
        `call ${i}`,
      );
    const total = 40;
    assert.equal((await recordedOrder(s, hook)).length, total);
    await rx.up();
    await rx.waitFor((r) => r.length >= 8, 30_000, 'some deliveries');
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const atKill = rx.accepted().length;
    assert.ok(atKill < total, `killed mid-delivery (${atKill} of ${total} delivered)`);
    const b = await s.spawn();
    await rx.waitFor(
      () => rx.accepted().length >= total,
      60_000,
      `${total} events after the restart`,
    );
    const order = await recordedOrder(s, hook);
    assert.deepEqual(
      firstArrivals(rx, hook),
      order.map((o) => o.event_id),
      'every event, first arrivals in order',
    );
    assert.deepEqual(causalViolations(rx, hook), [], 'each meeting in causal order');
    await waitUntil('all recorded as delivered', async () =>
      (await recordedOrder(s, hook)).every((o) => o.status === 'delivered'),
    );
    const key = await fetchWebhookPublicKey(b.url);
    assert.ok(rx.received.every((w) => signatureVerifies(w, key)));
  });
});

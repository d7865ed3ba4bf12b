/**
 * Per-webhook order against commit order (PostgreSQL when TEST_DATABASE_URL is set, else the embedded store).
 *
 * A delivery's id is taken at insert, not at commit. The case that broke the old id-order read: transaction A
 * inserts its event first (lower id) and stays open; X inserts and commits; the dispatcher sends X; then A
 * commits, and T, recorded after A's commit (causally after it), commits too. Read by id after X, T (id > X) was
 * next and A (id < X) was skipped until a later pass: T arrived before A. The one-second settle of the previous
 * version did not help once A stayed open longer than that (this test holds it > 1 s). Now the deliveries are
 * numbered after commit (src/store/webhook-order.ts): X goes out while A is still open (no wait), then A, then T.
 *
 * On SQLite, two write transactions cannot be open at once, so A is recorded after X there (ids are in commit
 * order); the expected arrivals are the same.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { openStore } from '../../src/store/open-store.ts';
import { databaseOf } from '../../src/store/store-internals.ts';
import { signingKeyCache } from '../../src/webhooks/signing-key.ts';
import type { Database } from '../../src/store/schema.ts';
import { createApp } from '../../src/store/apps.ts';
import { createWebhook } from '../../src/store/webhooks.ts';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A receiver that records event names in arrival order and holds its answer to the first request until released. */
async function holdingReceiver() {
  const arrivals: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push(String(JSON.parse(Buffer.concat(chunks).toString('utf8')).name));
      const answer = () => res.writeHead(200).end('ok');
      if (arrivals.length === 1) void released.then(answer);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    release,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('an event whose transaction commits late is sent after the ones committed before it and before the ones recorded after it', async () => {
  const base = process.env.TEST_DATABASE_URL;
  const pg = base ? await freshPostgresUrl(base) : undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-commit-order-'));
  const opened = await openStore({ dataDir, databaseUrl: pg?.url });
  const store = databaseOf(opened);
  cleanups.push(async () => {
    await store.close();
    if (pg) await dropPostgresSchema(base!, pg.schema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const rx = await holdingReceiver();
  cleanups.push(() => rx.close());
  const accountId = `acct${randomBytes(6).toString('hex')}`;
  const app = await createApp(store.db, accountId, 'order');
  const hook = await createWebhook(store.db, accountId, app.id, {
    name: 'order',
    url: rx.url,
    events: ['meeting.participantJoined'],
    enabled: true,
  });
  const record = (db: Kysely<Database>, name: string) =>
    db
      .insertInto('webhook_deliveries')
      .values({
        webhook_id: hook.id,
        account_id: accountId,
        app_id: app.id,
        event_id: randomUUID(),
        event: 'meeting.participantJoined',
        body: JSON.stringify({ event: 'meeting.participantJoined', name }),
        status: 'pending',
        attempts: 0,
        created_at: Date.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();

  const dispatcher = new WebhookDispatcher(
    opened.webhooks.delivery,
    signingKeyCache(opened),
    // The held answer must not time out (a retry would send X twice).
    testWebhookConfig({ requestTimeoutMs: 15_000 }),
  );
  cleanups.push(() => dispatcher.close());

  let commitA!: () => void;
  const aMayCommit = new Promise<void>((r) => (commitA = r));
  let aCommitted: Promise<unknown> = Promise.resolve();
  let ids: { a?: number; x?: number } = {};
  if (store.dialect === 'postgres') {
    // A: inserted first (the lower id), committed only when told.
    let inserted!: () => void;
    const aInserted = new Promise<void>((r) => (inserted = r));
    aCommitted = store.db.transaction().execute(async (tx) => {
      ids.a = Number((await record(tx, 'A')).id);
      inserted();
      await aMayCommit;
    });
    await aInserted;
  }
  ids = { ...ids, x: Number((await record(store.db, 'X')).id) };
  dispatcher.start();
  await waitUntil('X sent', () => rx.arrivals.length === 1);
  assert.deepEqual(rx.arrivals, ['X'], 'X goes out while A is still open');
  if (store.dialect === 'postgres') {
    assert.ok(ids.a! < ids.x!, `A holds the lower id (${ids.a} < ${ids.x})`);
    // Longer than the one-second settle the previous version waited for.
    await new Promise((r) => setTimeout(r, 1_200));
    commitA();
    await aCommitted;
  } else {
    await record(store.db, 'A');
  }
  // T is recorded after A committed: causally after it, with a higher id than X.
  await record(store.db, 'T');
  await new Promise((r) => setTimeout(r, 1_200));
  rx.release();
  await waitUntil('three events', () => rx.arrivals.length >= 3);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(rx.arrivals, ['X', 'A', 'T'], 'commit order, each once');
  const delivered = async () =>
    (
      await store.db
        .selectFrom('webhook_deliveries')
        .select('status')
        .where('webhook_id', '=', hook.id)
        .where('status', '=', 'delivered')
        .execute()
    ).length;
  const end = Date.now() + 20_000;
  while ((await delivered()) < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await delivered(), 3, 'all three recorded as delivered');
});

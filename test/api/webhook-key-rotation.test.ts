/**
 * The signing key: made on first start and kept across restarts; rotated by
 * `peer-report webhooks rotate-key` (a real CLI process on the same store),
 * after which the served public key and the signatures of new deliveries
 * change together, and the old key no longer verifies them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import {
  fetchWebhookPublicKey,
  signatureVerifies,
  startWebhookReceiver,
} from '../support/webhook-receiver.ts';
import { runMeeting } from '../support/meeting-traffic.ts';
import { KEY_CACHE_MS } from '../../src/webhooks/signing-key.ts';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/peer-report.js');

test('rotate-key replaces the served key and the signing key together', async () => {
  const t = await startTestServer({ webhooks: testWebhookConfig() });
  const rx = await startWebhookReceiver();
  try {
    const before = await fetchWebhookPublicKey(t.url);
    await sdk7(t.baseURL, t.token).realtimeKit.webhooks.createWebhook(t.appId, {
      account_id: t.accountId,
      name: 'k',
      url: rx.url,
      events: ['meeting.started'],
    });
    await runMeeting(t, 1);
    await rx.waitFor((r) => r.length === 1);
    assert.ok(signatureVerifies(rx.received[0], before));

    const env = { ...process.env, DATABASE_URL: t.server.config.databaseUrl ?? '' };
    const printed = spawnSync(
      process.execPath,
      [bin, 'webhooks', 'public-key', '--data', t.dataDir],
      { env, encoding: 'utf8' },
    );
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stdout.trim(), before.trim(), 'public-key prints the served key');
    const rotated = spawnSync(
      process.execPath,
      [bin, 'webhooks', 'rotate-key', '--data', t.dataDir],
      { env, encoding: 'utf8' },
    );
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKey = rotated.stdout;
    assert.match(newKey, /BEGIN PUBLIC KEY/);
    assert.notEqual(newKey.trim(), before.trim());

    await new Promise((r) => setTimeout(r, KEY_CACHE_MS + 200));
    const served = await fetchWebhookPublicKey(t.url);
    assert.equal(served.trim(), newKey.trim(), 'the server serves the new key');
    await runMeeting(t, 1);
    await rx.waitFor((r) => r.length === 2);
    assert.ok(signatureVerifies(rx.received[1], served), 'new deliveries verify with the new key');
    assert.ok(!signatureVerifies(rx.received[1], before), 'and not with the retired one');
  } finally {
    await t.close();
    await rx.close();
  }
});

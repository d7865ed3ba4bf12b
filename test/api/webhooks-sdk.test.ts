/**
 * The webhooks resource through the unmodified official SDK (6.x and 7.x)
 * against a real server and database: every method's round trip, the
 * validation errors (status, envelope, field), the event list and the public
 * key route.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Cloudflare, Cloudflare6, sdk6, sdk7 } from '../support/sdk.ts';
import { testWebhookConfig } from '../support/webhook-config.ts';
import { WEBHOOK_EVENTS } from '../../src/webhooks/webhook-events.ts';

let t: TestServer;

before(async () => {
  t = await startTestServer({ webhooks: testWebhookConfig({ deliver: false }) });
});
after(() => t.close());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function assertWebhookShape(w: Record<string, unknown>): void {
  assert.match(String(w.id), /^[0-9a-f-]{36}$/);
  for (const k of ['name', 'url']) assert.equal(typeof w[k], 'string', k);
  assert.ok(Array.isArray(w.events), 'Array.isArray(w.events)');
  assert.equal(typeof w.enabled, 'boolean');
  assert.match(String(w.created_at), ISO);
  assert.match(String(w.updated_at), ISO);
}

async function rawCall(
  method: string,
  path: string,
  body?: unknown,
  token = t.token,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('webhooks through the official SDK', () => {
  test('7.x: create, list, get, edit, replace, delete', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const created = await cf.realtimeKit.webhooks.createWebhook(t.appId, {
      account_id: t.accountId,
      name: 'quality sink',
      url: 'http://127.0.0.1:9/hooks',
      events: ['meeting.started', 'meeting.ended', 'meeting.started', 'recording.statusUpdate'],
    });
    assert.equal(created.success, true);
    assertWebhookShape(created.data as unknown as Record<string, unknown>);
    assert.deepEqual(
      created.data.events,
      ['meeting.started', 'meeting.ended', 'recording.statusUpdate'],
      'duplicates removed, order kept',
    );
    assert.equal(created.data.enabled, true, 'enabled defaults to true');
    const id = created.data.id;

    const list = await cf.realtimeKit.webhooks.getWebhooks(t.appId, { account_id: t.accountId });
    assert.ok(
      list.data.some((w) => w.id === id),
      'list.data.some((w) => w.id === id)',
    );

    const got = await cf.realtimeKit.webhooks.getWebhookByID(id, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.deepEqual(got.data, created.data);

    const edited = await cf.realtimeKit.webhooks.editWebhook(id, {
      account_id: t.accountId,
      app_id: t.appId,
      enabled: false,
    });
    assert.equal(edited.data.enabled, false);
    assert.equal(edited.data.name, 'quality sink', 'PATCH keeps omitted fields');
    assert.deepEqual(edited.data.events, created.data.events);

    const replaced = await cf.realtimeKit.webhooks.replaceWebhook(id, {
      account_id: t.accountId,
      app_id: t.appId,
      name: 'replaced',
      url: 'https://127.0.0.1:8443/x',
      events: ['meeting.participantJoined'],
    });
    assert.equal(replaced.data.name, 'replaced');
    assert.equal(replaced.data.enabled, true, 'PUT resets enabled to its default');
    assert.deepEqual(replaced.data.events, ['meeting.participantJoined']);
    assert.equal(replaced.data.created_at, created.data.created_at, 'PUT keeps created_at');

    const deleted = await cf.realtimeKit.webhooks.deleteWebhook(id, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(deleted.data.id, id);
    assert.equal(deleted.data.name, 'replaced', 'the deleted webhook is returned');
    await assert.rejects(
      cf.realtimeKit.webhooks.getWebhookByID(id, { account_id: t.accountId, app_id: t.appId }),
      Cloudflare.NotFoundError,
    );
    await assert.rejects(
      cf.realtimeKit.webhooks.deleteWebhook(id, { account_id: t.accountId, app_id: t.appId }),
      Cloudflare.NotFoundError,
    );
  });

  test('6.x: the same round trip with the 6.x names', async () => {
    const cf = sdk6(t.baseURL, t.token);
    const created = await cf.realtimeKit.webhooks.createWebhook(t.appId, {
      account_id: t.accountId,
      name: 'six',
      url: 'http://localhost:9/six',
      events: ['meeting.participantLeft'],
      enabled: false,
    });
    assertWebhookShape(created.data as unknown as Record<string, unknown>);
    assert.equal(created.data.enabled, false);
    const id = created.data.id;
    assert.ok(
      (await cf.realtimeKit.webhooks.getWebhooks(t.appId, { account_id: t.accountId })).data.some(
        (w) => w.id === id,
      ),
    );
    assert.equal(
      (await cf.realtimeKit.webhooks.getWebhookById(t.appId, id, { account_id: t.accountId })).data
        .name,
      'six',
    );
    const edited = await cf.realtimeKit.webhooks.editWebhook(t.appId, id, {
      account_id: t.accountId,
      name: 'six edited',
      events: ['meeting.ended'],
    });
    assert.equal(edited.data.name, 'six edited');
    assert.equal(edited.data.enabled, false, 'PATCH leaves enabled alone');
    assert.deepEqual(edited.data.events, ['meeting.ended']);
    const replaced = await cf.realtimeKit.webhooks.replaceWebhook(t.appId, id, {
      account_id: t.accountId,
      name: 'six replaced',
      url: 'http://localhost:9/r',
      events: ['meeting.started'],
      enabled: false,
    });
    assert.equal(replaced.data.url, 'http://localhost:9/r');
    assert.equal(
      (await cf.realtimeKit.webhooks.deleteWebhook(t.appId, id, { account_id: t.accountId })).data
        .id,
      id,
    );
    await assert.rejects(
      cf.realtimeKit.webhooks.getWebhookById(t.appId, id, { account_id: t.accountId }),
      Cloudflare6.NotFoundError,
    );
  });

  test('bad ids: 400 for a malformed webhook id, 404 for an unknown one or an unknown app, through both SDKs', async () => {
    const cf7 = sdk7(t.baseURL, t.token);
    const cf6 = sdk6(t.baseURL, t.token);
    await assert.rejects(
      cf7.realtimeKit.webhooks.getWebhookByID('nope', { account_id: t.accountId, app_id: t.appId }),
      Cloudflare.BadRequestError,
    );
    await assert.rejects(
      cf7.realtimeKit.webhooks.editWebhook(randomUUID(), {
        account_id: t.accountId,
        app_id: t.appId,
        name: 'x',
      }),
      Cloudflare.NotFoundError,
    );
    await assert.rejects(
      cf7.realtimeKit.webhooks.getWebhooks(randomUUID(), { account_id: t.accountId }),
      Cloudflare.NotFoundError,
    );
    await assert.rejects(
      cf6.realtimeKit.webhooks.getWebhookById(t.appId, 'nope', { account_id: t.accountId }),
      Cloudflare6.BadRequestError,
    );
    await assert.rejects(
      cf6.realtimeKit.webhooks.replaceWebhook(t.appId, randomUUID(), {
        account_id: t.accountId,
        name: 'x',
        url: 'http://localhost/',
        events: ['meeting.ended'],
      }),
      Cloudflare6.NotFoundError,
    );
    await assert.rejects(
      sdk7(t.baseURL, t.readToken).realtimeKit.webhooks.createWebhook(t.appId, {
        account_id: t.accountId,
        name: 'x',
        url: 'http://localhost/',
        events: ['meeting.ended'],
      }),
      Cloudflare.PermissionDeniedError,
    );
    const err = await rawCall('GET', '/webhooks/not-a-guid');
    assert.equal(err.status, 400);
    assert.equal(err.json.success, false);
    assert.equal(err.json.error.field, 'webhook_id');
    assert.match(err.json.error.message, /valid GUID/);
  });

  test('invalid bodies: 400 naming the field, nothing stored', async () => {
    const before = (await rawCall('GET', '/webhooks')).json.data.length;
    const good = { name: 'n', url: 'http://localhost:9/h', events: ['meeting.started'] };
    const cases: [unknown, string, RegExp][] = [
      [{ url: good.url, events: good.events }, 'name', /expected string|required/i],
      [{ ...good, name: '   ' }, 'name', /non-empty/],
      [{ ...good, events: [] }, 'events', /at least one/],
      [
        { ...good, events: ['meeting.started', 'meeting.exploded'] },
        'events[1]',
        /meeting\.participantJoined/,
      ],
      [{ ...good, events: 'meeting.started' }, 'events', /array/],
      [{ ...good, url: 'not a url' }, 'url', /absolute/],
      [{ ...good, url: 'ftp://example.net/x' }, 'url', /http or https/],
      [{ ...good, url: 'http://user:pw@localhost/x' }, 'url', /credentials/],
      [{ ...good, enabled: 'yes' }, 'enabled', /boolean/],
    ];
    for (const [body, field, message] of cases) {
      const res = await rawCall('POST', '/webhooks', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.success, false);
      assert.equal(res.json.error.code, 1001);
      assert.equal(res.json.error.field, field, JSON.stringify(body));
      assert.match(res.json.error.message, message);
      assert.equal(res.json.errors[0].source.pointer, field);
    }
    const malformed = await fetch(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/webhooks`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: '{"name":',
      },
    );
    assert.equal(malformed.status, 400);
    // PATCH validates what it is given.
    const created = await rawCall('POST', '/webhooks', good);
    assert.equal(created.status, 201);
    const patch = await rawCall('PATCH', `/webhooks/${created.json.data.id}`, { events: ['nope'] });
    assert.equal(patch.status, 400);
    assert.equal(patch.json.error.field, 'events[0]');
    assert.deepEqual(
      (await rawCall('GET', `/webhooks/${created.json.data.id}`)).json.data.events,
      ['meeting.started'],
      'unchanged after a refused PATCH',
    );
    assert.equal((await rawCall('GET', '/webhooks')).json.data.length, before + 1);
  });

  test('private, link-local and unique-local targets are refused; loopback only when allowed', async () => {
    for (const url of [
      'http://10.0.0.7/h',
      'http://192.168.1.2/h',
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/h',
      'http://[fd00::1]/h',
      'http://100.64.0.1/h',
      'http://0.0.0.0/h',
      'http://[::ffff:10.0.0.1]/h',
    ]) {
      const res = await rawCall('POST', '/webhooks', {
        name: 'n',
        url,
        events: ['meeting.started'],
      });
      assert.equal(res.status, 400, url);
      assert.equal(res.json.error.field, 'url');
      assert.match(res.json.error.message, /public addresses/, url);
    }
    // This server allows loopback (tests' receivers); a default server refuses it, names included.
    const strict = await startTestServer({
      webhooks: testWebhookConfig({ deliver: false, allowPrivate: 'none' }),
    });
    try {
      for (const url of ['http://127.0.0.1:9/h', 'http://localhost:9/h', 'http://[::1]:9/h']) {
        const res = await fetch(
          `${strict.baseURL}/accounts/${strict.accountId}/realtime/kit/${strict.appId}/webhooks`,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${strict.token}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ name: 'n', url, events: ['meeting.started'] }),
          },
        );
        assert.equal(res.status, 400, url);
        assert.match(((await res.json()) as any).error.message, /loopback address/);
      }
    } finally {
      await strict.close();
    }
  });

  test('GET …/webhooks/all lists every accepted event name', async () => {
    const res = await rawCall('GET', '/webhooks/all');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true, data: [...WEBHOOK_EVENTS] });
    assert.deepEqual(res.json.data.slice(0, 4), [
      'meeting.started',
      'meeting.ended',
      'meeting.participantJoined',
      'meeting.participantLeft',
    ]);
    assert.ok(
      res.json.data.includes('peer.qualityAlert'),
      "res.json.data.includes('peer.qualityAlert')",
    );
  });

  test("/.well-known/webhooks.json serves an RSA public key without auth, in RealtimeKit's shape", async () => {
    const res = await fetch(`${t.url}/.well-known/webhooks.json`);
    assert.equal(res.status, 200);
    const json = (await res.json()) as any;
    assert.equal(json.success, true);
    assert.equal(json.message, '');
    assert.match(
      json.data.publicKey,
      /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/,
    );
    const { createPublicKey } = await import('node:crypto');
    const key = createPublicKey(json.data.publicKey);
    assert.equal(key.asymmetricKeyType, 'rsa');
    assert.ok(
      (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048,
      '(key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048',
    );
  });
});

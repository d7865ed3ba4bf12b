/**
 * Error statuses and envelopes, the SDK's typed error classes, tenant
 * isolation, permission scopes, body limits and idempotent ingest retries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Cloudflare, Cloudflare6, sdk6, sdk7 } from '../support/sdk.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { createApp } from '../../src/store/apps.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
let peer: SimulatedPeer;
let otherAccount: { id: string; token: string; appId: string };

before(async () => {
  t = await startTestServer({ maxIngestBodyBytes: 256 * 1024 });
  [peer] = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'clean',
    minutes: 0.5,
    peers: 1,
  });
  const id = `other${randomUUID().slice(0, 8)}`;
  const { token } = await createApiToken(
    databaseOf(t.server.context.store).db,
    id,
    'Realtime Admin',
  );
  const app = await createApp(databaseOf(t.server.context.store).db, id, 'other app');
  otherAccount = { id, token, appId: app.id };
});
after(() => t.close());

async function raw(
  path: string,
  init: RequestInit & { token?: string | null } = {},
): Promise<{ status: number; body: any }> {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? t.token}`);
  const res = await fetch(`${t.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The documented code of each kind met below (README Errors, docs/openapi.yaml). */
const CODE = {
  invalid_request: 1001,
  not_found: 1002,
  body_too_large: 1006,
  unsupported_media_type: 1007,
  no_route: 7003,
  authentication: 10000,
};

function assertEnvelope(body: any, status: number, fieldPattern?: RegExp) {
  assert.equal(body.success, false);
  assert.equal(body.result, null);
  assert.deepEqual(body.messages, []);
  assert.equal(body.errors.length, 1);
  assert.equal(typeof body.errors[0].message, 'string');
  assert.equal(body.error.message, body.errors[0].message);
  // Cloudflare's common error schema: codes >= 1000, never the HTTP status; the same in both envelopes.
  assert.ok(
    Number.isInteger(body.errors[0].code) && body.errors[0].code >= 1000,
    `code ${body.errors[0].code} for ${status}`,
  );
  assert.equal(body.error.code, body.errors[0].code);
  if (status !== 401 && status !== 403) assert.notEqual(body.error.code, status);
  if (fieldPattern) assert.match(body.errors[0].message, fieldPattern);
}

const reportPath = (peerId: string, app = t.appId, account = t.accountId) =>
  `/client/v4/accounts/${account}/realtime/kit/${app}/sessions/peer-report/${peerId}`;

describe('error statuses carry both envelopes', () => {
  test('400 for a malformed peer id names the field', async () => {
    const r = await raw(reportPath('not-a-uuid'));
    assert.equal(r.status, 400);
    assertEnvelope(r.body, 400, /peer_id/);
    assert.equal(r.body.errors[0].code, CODE.invalid_request);
  });
  test('400 for an unknown filter names the value', async () => {
    const r = await raw(`${reportPath(peer.peerId)}?filters=device_info,bogus`);
    assert.equal(r.status, 400);
    assertEnvelope(r.body, 400, /filters.*bogus/);
  });
  test('400 for a bad include_peer_events value', async () => {
    const r = await raw(`${reportPath(peer.peerId)}?include_peer_events=maybe`);
    assert.equal(r.status, 400);
    assertEnvelope(r.body, 400, /include_peer_events/);
  });
  test('401 without a token and with an unknown token', async () => {
    const a = await raw(reportPath(peer.peerId), { token: null });
    assert.equal(a.status, 401);
    assertEnvelope(a.body, 401);
    assert.equal(a.body.errors[0].code, 10000);
    const b = await raw(reportPath(peer.peerId), { token: 'prk_nope' });
    assert.equal(b.status, 401);
  });
  test('404 for an unknown peer and an unknown app', async () => {
    const a = await raw(reportPath(randomUUID()));
    assert.equal(a.status, 404);
    assertEnvelope(a.body, 404, /peer/);
    assert.equal(a.body.errors[0].code, CODE.not_found);
    const b = await raw(reportPath(peer.peerId, randomUUID()));
    assert.equal(b.status, 404);
    assertEnvelope(b.body, 404);
  });
  test("an unknown route answers 404 with Cloudflare's no-route code", async () => {
    const r = await raw(`/client/v4/accounts/${t.accountId}/realtime/kit/nothing-here`);
    assert.equal(r.status, 404);
    assertEnvelope(r.body, 404);
    assert.equal(r.body.errors[0].code, CODE.no_route);
  });
  test('415 for a non-JSON body, 413 for an oversized one, 400 for malformed JSON', async () => {
    const path = `/client/v4/accounts/${t.accountId}/realtime/kit/apps`;
    const a = await raw(path, {
      method: 'POST',
      body: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(a.status, 415);
    assertEnvelope(a.body, 415, /content type/);
    assert.equal(a.body.errors[0].code, CODE.unsupported_media_type);
    const b = await raw(path, {
      method: 'POST',
      body: JSON.stringify({ name: 'x'.repeat(200_000) }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(b.status, 413);
    assertEnvelope(b.body, 413);
    assert.equal(b.body.errors[0].code, CODE.body_too_large);
    const c = await raw(path, {
      method: 'POST',
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(c.status, 400);
    assertEnvelope(c.body, 400, /JSON/);
    const d = await raw(path, {
      method: 'POST',
      body: '{"name": 5}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(d.status, 400);
    assertEnvelope(d.body, 400, /name/);
  });
});

describe('the SDK throws its own typed error for each status', () => {
  const cases: [string, () => Promise<unknown>, number][] = [];
  test('7.x', async () => {
    const cf = sdk7(t.baseURL, t.token);
    await assert.rejects(
      cf.realtimeKit.sessions.getParticipantDataFromPeerID('nope', {
        account_id: t.accountId,
        app_id: t.appId,
      }),
      Cloudflare.BadRequestError,
    );
    await assert.rejects(
      cf.realtimeKit.sessions.getParticipantDataFromPeerID(randomUUID(), {
        account_id: t.accountId,
        app_id: t.appId,
      }),
      Cloudflare.NotFoundError,
    );
    await assert.rejects(
      sdk7(t.baseURL, 'prk_invalid').realtimeKit.sessions.getParticipantDataFromPeerID(
        peer.peerId,
        { account_id: t.accountId, app_id: t.appId },
      ),
      Cloudflare.AuthenticationError,
    );
    await assert.rejects(
      sdk7(t.baseURL, otherAccount.token).realtimeKit.sessions.getParticipantDataFromPeerID(
        peer.peerId,
        { account_id: t.accountId, app_id: t.appId },
      ),
      Cloudflare.PermissionDeniedError,
    );
    await assert.rejects(
      sdk7(t.baseURL, t.readToken).realtimeKit.apps.post({ account_id: t.accountId, name: 'x' }),
      Cloudflare.PermissionDeniedError,
    );
    const err = await cf.realtimeKit.sessions
      .getParticipantDataFromPeerID(peer.peerId, {
        account_id: t.accountId,
        app_id: t.appId,
        filters: 'nope' as 'events',
      })
      .catch((e: unknown) => e);
    assert.ok(
      err instanceof Cloudflare.BadRequestError,
      'err instanceof Cloudflare.BadRequestError',
    );
    assert.equal((err as InstanceType<typeof Cloudflare.BadRequestError>).status, 400);
    assert.match(String((err as Error).message), /filters/);
    void cases;
  });
  test('6.x', async () => {
    const cf = sdk6(t.baseURL, t.token);
    await assert.rejects(
      cf.realtimeKit.sessions.getParticipantDataFromPeerId(t.appId, 'nope', {
        account_id: t.accountId,
      }),
      Cloudflare6.BadRequestError,
    );
    await assert.rejects(
      cf.realtimeKit.sessions.getParticipantDataFromPeerId(t.appId, randomUUID(), {
        account_id: t.accountId,
      }),
      Cloudflare6.NotFoundError,
    );
    await assert.rejects(
      sdk6(t.baseURL, 'prk_invalid').realtimeKit.sessions.getParticipantDataFromPeerId(
        t.appId,
        peer.peerId,
        { account_id: t.accountId },
      ),
      Cloudflare6.AuthenticationError,
    );
    await assert.rejects(
      sdk6(t.baseURL, otherAccount.token).realtimeKit.sessions.getParticipantDataFromPeerId(
        t.appId,
        peer.peerId,
        { account_id: t.accountId },
      ),
      Cloudflare6.PermissionDeniedError,
    );
  });
});

describe('tenant isolation and permissions', () => {
  test("another account's token gets 403 on this account and 404 for this peer under its own account", async () => {
    const a = await raw(reportPath(peer.peerId), { token: otherAccount.token });
    assert.equal(a.status, 403);
    const b = await raw(reportPath(peer.peerId, t.appId, otherAccount.id), {
      token: otherAccount.token,
    });
    assert.equal(b.status, 404, 'the app belongs to another account');
    const c = await raw(reportPath(peer.peerId, otherAccount.appId, otherAccount.id), {
      token: otherAccount.token,
    });
    assert.equal(c.status, 404, 'the peer belongs to another account');
  });
  test('a read-only (Realtime) token reads but cannot write', async () => {
    const read = await raw(reportPath(peer.peerId), { token: t.readToken });
    assert.equal(read.status, 200);
    const write = await raw(`/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/meetings`, {
      token: t.readToken,
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(write.status, 403);
  });
  test('tokens are stored hashed', async () => {
    const rows = await databaseOf(t.server.context.store)
      .db.selectFrom('api_tokens')
      .select('token_hash')
      .execute();
    assert.ok(rows.length >= 2, 'rows.length >= 2');
    for (const r of rows) {
      assert.match(r.token_hash, /^[0-9a-f]{64}$/);
      assert.notEqual(r.token_hash, t.token);
    }
    const parts = await databaseOf(t.server.context.store)
      .db.selectFrom('participants')
      .select('token_hash')
      .execute();
    for (const r of parts) assert.match(r.token_hash, /^[0-9a-f]{64}$/);
  });
});

describe('ingest: participant scope, idempotency, validation', () => {
  async function newParticipant() {
    const cf = sdk7(t.baseURL, t.token);
    const m = await cf.realtimeKit.meetings.create(t.appId, {
      account_id: t.accountId,
      title: 'ingest test',
    });
    const p = await cf.realtimeKit.meetings.addParticipant(m.data!.id, {
      account_id: t.accountId,
      app_id: t.appId,
      custom_participant_id: randomUUID(),
      preset_name: 'host',
    });
    return { meetingId: m.data!.id, participantId: p.data!.id, token: p.data!.token };
  }
  async function ingest(
    path: string,
    token: string,
    body: unknown,
    contentType = 'application/json',
  ) {
    const res = await fetch(`${t.url}/ingest/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }
  const batches = (n: number) => [
    ...syntheticBatches({
      profile: CALL_PROFILES.clean,
      startMs: Date.now() - 60_000,
      minutes: 0.5,
      seed: n,
      batchIdPrefix: randomUUID(),
    }),
  ];

  test('a retried batch is acknowledged once and never counted twice', async () => {
    const p = await newParticipant();
    const join = await ingest('/join', p.token, {
      client: {
        user_agent:
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
      },
    });
    assert.equal(join.status, 201);
    const peerId = join.body.data.peer_id;
    const [first, second] = batches(1);
    const a = await ingest(`/peers/${peerId}/batches`, p.token, first);
    assert.equal(a.status, 200);
    assert.equal(a.body.data.duplicate, false);
    const again = await Promise.all(
      [1, 2, 3].map(() => ingest(`/peers/${peerId}/batches`, p.token, first)),
    );
    for (const r of again) {
      assert.equal(r.status, 200);
      assert.equal(r.body.data.duplicate, true);
    }
    await ingest(`/peers/${peerId}/batches`, p.token, second);
    const report = await raw(`${reportPath(peerId)}?filters=quality_stats`);
    const rows = report.body.data.participant.peer_report.quality.audio_producer;
    assert.equal(
      rows.length,
      first.samples!.filter((s) => s.media === 'audio' && s.direction === 'producer').length * 2,
    );
    const sent = rows.reduce((acc: number, r: { packets_sent: number }) => acc + r.packets_sent, 0);
    const last = second
      .samples!.filter((s) => s.media === 'audio' && s.direction === 'producer')
      .at(-1)!;
    assert.equal(sent, last.packets, 'per-interval deltas add up to the final cumulative counter');
    const meta = report.body.data.participant;
    assert.equal(meta.peer_report.metadata, undefined);
    const full = await raw(reportPath(peerId));
    assert.equal(
      full.body.data.participant.peer_report.metadata.browser_metadata.browser,
      'Safari',
    );
    assert.equal(full.body.data.participant.peer_report.metadata.device_info.os, 'Mac OS');
  });

  test('CORS: the collector can post from another origin and read every answer, errors included', async () => {
    const p = await newParticipant();
    const origin = 'https://app.example';
    const preflight = await fetch(`${t.url}/ingest/v1/join`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,content-encoding',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    for (const h of ['Authorization', 'Content-Type', 'Content-Encoding'])
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', new RegExp(h));
    const post = (path: string, token: string, body: unknown) =>
      fetch(`${t.url}/ingest/v1${path}`, {
        method: 'POST',
        headers: { origin, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const join = await post('/join', p.token, {});
    assert.equal(join.status, 201);
    assert.equal(join.headers.get('access-control-allow-origin'), '*');
    const peerId = ((await join.json()) as any).data.peer_id;
    const ok = await post(`/peers/${peerId}/batches`, p.token, batches(5)[0]);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), '*');
    assert.equal(ok.headers.get('content-type'), 'application/json');
    for (const [res, status] of [
      [await post(`/peers/${peerId}/batches`, 'not-a-token', batches(5)[1]), 401],
      [await post(`/peers/${peerId}/batches`, p.token, { batch_id: 'short' }), 400],
      [await post(`/peers/${randomUUID()}/batches`, p.token, batches(5)[1]), 404],
    ] as const) {
      assert.equal(res.status, status);
      assert.equal(
        res.headers.get('access-control-allow-origin'),
        '*',
        `allow-origin on the ${status}`,
      );
      assertEnvelope(await res.json(), status);
    }
  });

  test("a participant token writes only its own peer's telemetry", async () => {
    const a = await newParticipant();
    const b = await newParticipant();
    const join = await ingest('/join', a.token, {});
    const [batch] = batches(2);
    const r = await ingest(`/peers/${join.body.data.peer_id}/batches`, b.token, batch);
    assert.equal(r.status, 404);
    const api = await ingest(`/peers/${join.body.data.peer_id}/batches`, t.token, batch);
    assert.equal(api.status, 401, 'an API token is not a participant token');
  });

  test('a deleted participant can no longer send; its past report stays', async () => {
    const p = await newParticipant();
    const join = await ingest('/join', p.token, {});
    const peerId = join.body.data.peer_id;
    const [b1, b2] = batches(3);
    assert.equal((await ingest(`/peers/${peerId}/batches`, p.token, b1)).status, 200);
    const cf = sdk7(t.baseURL, t.token);
    await cf.realtimeKit.meetings.deleteMeetingParticipant(p.participantId, {
      account_id: t.accountId,
      app_id: t.appId,
      meeting_id: p.meetingId,
    });
    assert.equal((await ingest(`/peers/${peerId}/batches`, p.token, b2)).status, 401);
    assert.equal((await raw(reportPath(peerId))).status, 200);
  });

  test('bad samples are rejected with the field path and nothing is stored', async () => {
    const p = await newParticipant();
    const join = await ingest('/join', p.token, {});
    const peerId = join.body.data.peer_id;
    const [batch] = batches(4);
    const bad = structuredClone(batch);
    (bad.samples![3] as { ts: number }).ts = 17; // seconds instead of ms
    const r = await ingest(`/peers/${peerId}/batches`, p.token, bad);
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0].message, /samples\[3\]\.ts/);
    const r2 = await ingest(`/peers/${peerId}/batches`, p.token, batch, 'application/xml');
    assert.equal(r2.status, 415);
    const big = { ...batch, samples: Array.from({ length: 3000 }, () => batch.samples![0]) };
    const r3 = await ingest(`/peers/${peerId}/batches`, p.token, big);
    assert.equal(r3.status, 413);
    const report = await raw(`${reportPath(peerId)}?filters=quality_stats`);
    assert.equal(report.body.data.participant.peer_report.quality.audio_producer.length, 0);
    // The good batch is still accepted after the bad ones (its id was not burnt).
    assert.equal(
      (await ingest(`/peers/${peerId}/batches`, p.token, batch)).body.data.duplicate,
      false,
    );
  });

  test('beacon form: text/plain body with access_token in the query', async () => {
    const p = await newParticipant();
    const join = await ingest('/join', p.token, {});
    const peerId = join.body.data.peer_id;
    const [batch] = batches(5);
    const res = await fetch(
      `${t.url}/ingest/v1/peers/${peerId}/batches?access_token=${encodeURIComponent(p.token)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify(batch),
      },
    );
    assert.equal(res.status, 200);
    const leave = await fetch(
      `${t.url}/ingest/v1/peers/${peerId}/leave?access_token=${encodeURIComponent(p.token)}`,
      { method: 'POST' },
    );
    assert.equal(leave.status, 200);
    const late = await ingest(`/peers/${peerId}/batches`, p.token, batches(6)[1]);
    assert.equal(
      late.status,
      200,
      'a page-hide batch arriving just after the leave still belongs to the peer',
    );
  });

  test('gzip bodies are accepted; bombs, broken gzip and unknown encodings are refused', async () => {
    const p = await newParticipant();
    const join = await ingest('/join', p.token, {});
    const peerId = join.body.data.peer_id;
    const [batch] = batches(7);
    const send = (body: Uint8Array | string, encoding: string) =>
      fetch(`${t.url}/ingest/v1/peers/${peerId}/batches`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${p.token}`,
          'content-type': 'application/json',
          'content-encoding': encoding,
        },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
    const ok = await send(gzipSync(JSON.stringify(batch)), 'gzip');
    assert.equal(ok.status, 200);
    // 256 KiB limit: a small gzip that inflates past it is a 413, not an out-of-memory.
    const bomb = gzipSync(
      JSON.stringify({ batch_id: 'bomb-batch', padding: 'x'.repeat(2_000_000) }),
    );
    assert.ok(bomb.byteLength < 64 * 1024, 'bomb.byteLength < 64 * 1024');
    assert.equal((await send(bomb, 'gzip')).status, 413);
    assert.equal((await send(Buffer.from('not gzip at all'), 'gzip')).status, 400);
    assert.equal((await send(JSON.stringify(batch), 'br')).status, 415);
  });

  test('a rejoin is a new peer in the same live session', async () => {
    const p = await newParticipant();
    const j1 = await ingest('/join', p.token, {});
    const j2 = await ingest('/join', p.token, {});
    assert.notEqual(j1.body.data.peer_id, j2.body.data.peer_id);
    assert.equal(j1.body.data.session_id, j2.body.data.session_id);
  });
});

describe('timeouts and rejoins', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startTestServer({ peerTimeoutMs: 1500 });
  });
  after(() => ts.close());

  test('a silent peer is closed at its last-seen time; its next batch is refused (409) and a rejoin continues its counters', async () => {
    const cf = sdk7(ts.baseURL, ts.token);
    const m = await cf.realtimeKit.meetings.create(ts.appId, {
      account_id: ts.accountId,
      title: 'timeouts',
    });
    const part = await cf.realtimeKit.meetings.addParticipant(m.data!.id, {
      account_id: ts.accountId,
      app_id: ts.appId,
      custom_participant_id: 'cut',
      preset_name: 'host',
    });
    const token = part.data!.token;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${ts.url}/ingest/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const [b1, b2] = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs: Date.now() - 60_000,
        minutes: 0.5,
        seed: 9,
        batchIdPrefix: randomUUID(),
      }),
    ];
    const first = (await post('/join', {})).body.data;
    assert.equal((await post(`/peers/${first.peer_id}/batches`, b1)).status, 200);
    // Wait for the sweeper (200 ms) to close the peer after 1.5 s of silence.
    let report: any;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200));
      report = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(first.peer_id, {
        account_id: ts.accountId,
        app_id: ts.appId,
        include_peer_events: true,
      });
      if (report.data.participant.left_at) break;
    }
    const events = report.data.participant.peer_events.map(
      (e: { event_name: string }) => e.event_name,
    );
    assert.deepEqual(events, ['PEER_CREATED', 'PEER_JOINING', 'PEER_LEAVING']);
    assert.equal(report.data.participant.leave_reason, 'timeout');
    const refused = await post(`/peers/${first.peer_id}/batches`, b2);
    assert.equal(refused.status, 409);
    const session = await databaseOf(ts.server.context.store)
      .db.selectFrom('sessions')
      .selectAll()
      .where('id', '=', first.session_id)
      .executeTakeFirstOrThrow();
    assert.equal(session.status, 'ENDED', 'the last peer out ends the session');

    const second = (await post('/join', { previous_peer_id: first.peer_id })).body.data;
    assert.notEqual(second.peer_id, first.peer_id);
    const accepted = await post(`/peers/${second.peer_id}/batches`, b2);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const r2 = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(second.peer_id, {
      account_id: ts.accountId,
      app_id: ts.appId,
      filters: 'quality_stats',
    });
    const rows = r2.data!.participant!.peer_report!.quality!.audio_producer!;
    const sentInB2 = b2.samples!.filter((s) => s.media === 'audio' && s.direction === 'producer');
    const sentInB1 = b1.samples!.filter((s) => s.media === 'audio' && s.direction === 'producer');
    assert.equal(
      rows.reduce((acc, r) => acc + (r.packets_sent ?? 0), 0),
      sentInB2.at(-1)!.packets! - sentInB1.at(-1)!.packets!,
      'the rejoined peer counts only what was sent after the previous peer',
    );
  });
});

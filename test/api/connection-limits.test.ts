/**
 * Limits that keep one client from taking the server (issue 11): idle, header
 * and body timeouts and the connection cap (probes still served while 1,000
 * idle sockets are held); the per-participant ingest rate limit (429 with
 * Retry-After, in the error envelope) and cap on live peers; paging of the
 * consolidated participants view with peer events. Small configured values
 * keep the test fast; the bounds asserted are the configured ones plus slack.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, type TestServer } from '../support/server.ts';
import { call, newParticipant } from '../support/api-client.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const IDLE_MS = 600;
const HEADERS_MS = 1_500;
const REQUEST_MS = 2_500;

let t: TestServer;
before(async () => {
  t = await startTestServer({
    idleTimeoutMs: IDLE_MS,
    headersTimeoutMs: HEADERS_MS,
    requestTimeoutMs: REQUEST_MS,
    keepAliveTimeoutMs: 500,
    maxConnections: 1_100,
    ingestRatePerSecond: 0,
    maxLivePeersPerParticipant: 3,
  });
});
after(() => t.close());

const port = () => Number(new URL(t.url).port);

/** Opens a socket and resolves with it once connected. */
function open(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port(), '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Milliseconds until the server closes `s` (or `limitMs`, whichever first: then Infinity). */
function closedWithin(s: net.Socket, limitMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), limitMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    s.on('error', () => undefined);
    s.resume();
  });
}

describe('connections', () => {
  test('1,000 idle sockets: probes are still served, and every idle socket is closed within the idle timeout', async () => {
    const closings: Promise<number>[] = [];
    for (let i = 0; i < 1_000; i++) closings.push(closedWithin(await open(), IDLE_MS + 4_000));
    const probe = await call(t.url, 'GET', '/healthz', undefined);
    assert.equal(probe.status, 200);
    const apps = await call(
      t.url,
      'GET',
      `/client/v4/accounts/${t.accountId}/realtime/kit/apps`,
      t.token,
    );
    assert.equal(apps.status, 200);
    const times = await Promise.all(closings);
    assert.equal(
      times.filter((ms) => ms === Number.POSITIVE_INFINITY).length,
      0,
      'idle sockets left open',
    );
  });

  test('a connection that trickles its headers is cut at the headers timeout; one that trickles its body, at the request timeout', async () => {
    // Idle timeout far above both: bytes keep coming, so only the headers or request timeout can cut these.
    const slow = await startTestServer({
      idleTimeoutMs: 20_000,
      headersTimeoutMs: HEADERS_MS,
      requestTimeoutMs: REQUEST_MS,
    });
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(Number(new URL(slow.url).port), '127.0.0.1', () => resolve(s));
      });
    try {
      const headers = await connect();
      headers.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      const body = await connect();
      body.write(
        'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      );
      const trickle = setInterval(() => {
        if (headers.writable) headers.write('X-A: b\r\n');
        if (body.writable) body.write(' ');
      }, 200);
      const [h, b] = await Promise.all([closedWithin(headers, 15_000), closedWithin(body, 15_000)]);
      clearInterval(trickle);
      assert.ok(h !== Number.POSITIVE_INFINITY, 'slow headers were never cut');
      assert.ok(b !== Number.POSITIVE_INFINITY, 'a slow body was never cut');
    } finally {
      await slow.close();
    }
  });

  test('a kept-alive connection is closed after the keep-alive timeout', async () => {
    const s = await open();
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const ms = await closedWithin(s, 500 + 4_000);
    assert.match(got, /^HTTP\/1\.1 200/);
    assert.ok(ms !== Number.POSITIVE_INFINITY, 'kept alive forever');
  });

  test('beyond the connection cap new connections are closed at once; within it they are served', async () => {
    const capped = await startTestServer({ maxConnections: 20, idleTimeoutMs: 60_000 });
    try {
      const held: net.Socket[] = [];
      const p = Number(new URL(capped.url).port);
      for (let i = 0; i < 20; i++)
        held.push(
          await new Promise<net.Socket>((r) => {
            const s = net.connect(p, '127.0.0.1', () => r(s));
          }),
        );
      await new Promise((r) => setTimeout(r, 100));
      const refused = await fetch(`${capped.url}/healthz`).then(
        () => 'served',
        () => 'refused',
      );
      assert.equal(refused, 'refused');
      for (const s of held) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await fetch(`${capped.url}/healthz`)).status, 200);
    } finally {
      await capped.close();
    }
  });
});

describe('ingest limits per participant', () => {
  test('beyond its burst a participant gets 429 with Retry-After and the envelope; another participant is not slowed', async () => {
    // A refill so slow that it cannot matter however long the machine takes: exactly the burst passes.
    const strict = await startTestServer({
      ingestRatePerSecond: 0.001,
      ingestBurst: 10,
      joinRatePerSecond: 0,
    });
    try {
      const a = await newParticipant(strict.url, strict.token, strict.accountId, strict.appId);
      const b = await newParticipant(strict.url, strict.token, strict.accountId, strict.appId);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => call(strict.url, 'POST', '/ingest/v1/join', a.token, {})),
      );
      assert.deepEqual(answers.map((r) => r.status).sort(), [
        ...Array(10).fill(201),
        ...Array(10).fill(429),
      ]);
      const r = answers.find((x) => x.status === 429)!;
      assert.ok(
        Number(r.headers.get('retry-after')) >= 1,
        "Number(r.headers.get('retry-after')) >= 1",
      );
      assert.equal(r.json.success, false);
      assert.equal(r.json.errors[0].code, 1011);
      assert.equal(r.json.error.field, 'Authorization');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal((await call(strict.url, 'POST', '/ingest/v1/join', b.token, {})).status, 201);
    } finally {
      await strict.close();
    }
  });

  test("joins have their own, stricter bucket: refused (429) before any SQL, while the participant's batches still pass", async () => {
    const strict = await startTestServer({
      joinRatePerSecond: 0.01,
      joinBurst: 3,
      ingestRatePerSecond: 0,
    });
    try {
      const p = await newParticipant(strict.url, strict.token, strict.accountId, strict.appId);
      const joins = [];
      for (let i = 0; i < 5; i++)
        joins.push(await call(strict.url, 'POST', '/ingest/v1/join', p.token, {}));
      assert.deepEqual(
        joins.map((j) => j.status),
        [201, 201, 201, 429, 429],
      );
      assert.ok(
        Number(joins[3].headers.get('retry-after')) >= 1,
        "Number(joins[3].headers.get('retry-after')) >= 1",
      );
      assert.match(joins[3].json.error.message, /joins/);
      const peers = await databaseOf(strict.server.context.store)
        .db.selectFrom('peers')
        .select('id')
        .where('participant_id', '=', p.participantId)
        .execute();
      assert.equal(peers.length, 3, 'a refused join created no peer');
      const batch = await call(
        strict.url,
        'POST',
        `/ingest/v1/peers/${joins[2].json.data.peer_id}/batches`,
        p.token,
        { batch_id: 'after-refused-joins' },
      );
      assert.equal(batch.status, 200, batch.text);
    } finally {
      await strict.close();
    }
  });

  test("a join beyond the cap of live peers closes the participant's oldest live peers", async () => {
    const p = await newParticipant(t.url, t.token, t.accountId, t.appId);
    const peers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const j = await call(t.url, 'POST', '/ingest/v1/join', p.token, {
        joined_at: Date.now() - 60_000 + i * 1_000,
      });
      assert.equal(j.status, 201, j.text);
      peers.push(j.json.data.peer_id);
    }
    const rows = await databaseOf(t.server.context.store)
      .db.selectFrom('peers')
      .select(['id', 'status', 'leave_reason'])
      .where('participant_id', '=', p.participantId)
      .execute();
    const status = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual(
      peers.map((id) => status.get(id)!.status),
      ['left', 'left', 'left', 'live', 'live', 'live'],
    );
    assert.deepEqual(
      peers.slice(0, 3).map((id) => status.get(id)!.leave_reason),
      ['superseded', 'superseded', 'superseded'],
    );
  });

  test('consolidated participants with peer events honour paging, however many times one participant joined', async () => {
    const p = await newParticipant(t.url, t.token, t.accountId, t.appId);
    let session = '';
    for (let i = 0; i < 8; i++) {
      const j = await call(t.url, 'POST', '/ingest/v1/join', p.token, {});
      session = j.json.data.session_id;
    }
    const base = `/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/${session}/participants?view=consolidated&include_peer_events=true`;
    const small = await call(t.url, 'GET', `${base}&per_page=2`, t.token);
    assert.equal(small.status, 200, small.text);
    const entry = small.json.data.participants[0];
    assert.equal(entry.peers_total, 8);
    assert.equal(entry.peer_ids.length, 2);
    const peerEventIds = new Set(entry.peer_events.map((e: any) => e.peer_id ?? e.id));
    assert.ok(entry.peer_events.length > 0, 'entry.peer_events.length > 0');
    assert.ok(
      peerEventIds.size <= 2 || entry.peer_events.length <= 2 * 4,
      `events of ${peerEventIds.size} peers`,
    );
    const large = await call(t.url, 'GET', `${base}&per_page=50`, t.token);
    assert.equal(large.json.data.participants[0].peer_ids.length, 8);
    assert.ok(
      small.text.length < large.text.length / 2,
      `${small.text.length} vs ${large.text.length} bytes`,
    );
  });
});

/**
 * The collector's uploader against a real HTTP server whose answers the test
 * scripts: retry with the same batch_id, order, final 4xx, join retry and
 * refusal, leave after drain, queue limit.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';
import { Uploader, type BatchAck } from '../../collector/src/uploader.ts';

interface Seen {
  path: string;
  auth?: string;
  body: Record<string, unknown>;
}
type Answer = { status: number; body?: unknown } | 'hang-up';

const servers: http.Server[] = [];
after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

/** A server that records requests and answers with `answer(request, index)`. */
async function scriptedServer(
  answer: (req: Seen, n: number) => Answer,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const rec: Seen = {
        path: req.url ?? '',
        auth: req.headers.authorization,
        body: raw ? JSON.parse(raw) : {},
      };
      seen.push(rec);
      const a = answer(rec, seen.length - 1);
      if (a === 'hang-up') return void req.socket.destroy();
      res
        .writeHead(a.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(a.body ?? {}));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const joined = {
  status: 201,
  body: { success: true, data: { peer_id: 'peer-1', session_id: 's' } },
};
const ack = (req: Seen) => ({
  status: 200,
  body: { success: true, data: { batch_id: req.body.batch_id, duplicate: false } },
});

function uploader(url: string, extra: Partial<ConstructorParameters<typeof Uploader>[0]> = {}) {
  const acks: BatchAck[] = [];
  const errors: string[] = [];
  const u = new Uploader({
    server: `${url}/`,
    token: 'participant-token',
    retryBaseMs: 10,
    retryMaxMs: 40,
    maxQueuedBatches: 50,
    requestTimeoutMs: 2000,
    onError: (code) => errors.push(code),
    onAck: (a) => acks.push(a),
    ...extra,
  });
  // A failed assertion must not leave the uploader retrying (and the test process running).
  after(() => u.close());
  return { u, acks, errors };
}

const batch = (id: string): TelemetryBatch => ({
  batch_id: id,
  events: [{ ts: 1_700_000_000_000, name: id }],
});

test('joins with the bearer token, then uploads batches in order, retrying failures with the same batch_id', async () => {
  let failures = 0;
  const { url, seen } = await scriptedServer((req) => {
    if (req.path === '/ingest/v1/join') return joined;
    if (req.body.batch_id === 'b2' && failures < 3)
      return ++failures === 2 ? 'hang-up' : { status: 503 };
    return ack(req);
  });
  const { u, acks } = uploader(url);
  for (const id of ['b1', 'b2', 'b3']) u.enqueue(batch(id));
  const peer = await u.join({ joined_at: 1_700_000_000_000 });
  assert.equal(peer?.peer_id, 'peer-1');
  assert.equal(await u.drain(5000), true);
  assert.deepEqual(
    seen.map((s) => s.path),
    [
      '/ingest/v1/join',
      ...Array(5).fill('/ingest/v1/peers/peer-1/batches'),
      '/ingest/v1/peers/peer-1/batches',
    ],
  );
  assert.deepEqual(
    seen.slice(1).map((s) => s.body.batch_id),
    ['b1', 'b2', 'b2', 'b2', 'b2', 'b3'],
  );
  assert.ok(
    seen.every((s) => s.auth === 'Bearer participant-token'),
    "seen.every((s) => s.auth === 'Bearer participant-token')",
  );
  assert.deepEqual(
    acks.map((a) => [a.batch_id, a.attempts]),
    [
      ['b1', 1],
      ['b2', 4],
      ['b3', 1],
    ],
  );
  assert.equal(u.stats.retries, 3);
  u.close();
});

test('a duplicate acknowledgement is reported as such', async () => {
  const { url } = await scriptedServer((req) =>
    req.path.endsWith('/join')
      ? joined
      : {
          status: 200,
          body: { success: true, data: { batch_id: req.body.batch_id, duplicate: true } },
        },
  );
  const { u, acks } = uploader(url);
  await u.join({});
  u.enqueue(batch('b1'));
  await u.drain(5000);
  assert.equal(acks[0].duplicate, true);
  u.close();
});

test('a 4xx batch is dropped (not retried) and the next batch still goes out', async () => {
  const { url, seen } = await scriptedServer((req) =>
    req.path.endsWith('/join') ? joined : req.body.batch_id === 'bad' ? { status: 400 } : ack(req),
  );
  const { u, acks, errors } = uploader(url);
  await u.join({});
  u.enqueue(batch('bad'));
  u.enqueue(batch('good'));
  await u.drain(5000);
  assert.deepEqual(
    seen.slice(1).map((s) => s.body.batch_id),
    ['bad', 'good'],
  );
  assert.deepEqual(
    acks.map((a) => a.batch_id),
    ['good'],
  );
  assert.deepEqual(errors, ['batch_rejected']);
  assert.equal(u.stats.batches_dropped, 1);
  u.close();
});

test('join is retried on 5xx and given up (closing the uploader) on 401', async () => {
  const { url: flaky, seen } = await scriptedServer((_req, n) =>
    n < 2 ? { status: 502 } : joined,
  );
  const a = uploader(flaky);
  assert.equal((await a.u.join({}))?.peer_id, 'peer-1');
  assert.equal(seen.length, 3);
  a.u.close();

  const { url: refusing } = await scriptedServer(() => ({ status: 401 }));
  const b = uploader(refusing);
  assert.equal(await b.u.join({}), undefined);
  assert.equal(b.u.closed, true);
  assert.deepEqual(b.errors, ['join_rejected']);
});

test('leave uploads what is queued first, then posts the leave', async () => {
  const { url, seen } = await scriptedServer((req) =>
    req.path.endsWith('/join') ? joined : req.path.endsWith('/leave') ? { status: 200 } : ack(req),
  );
  const { u } = uploader(url);
  await u.join({});
  u.enqueue(batch('b1'));
  u.enqueue(batch('b2'));
  await u.leave('done', 5000);
  assert.deepEqual(
    seen.map((s) => s.path.split('/').pop()),
    ['join', 'batches', 'batches', 'leave'],
  );
  assert.equal(seen[3].body.reason, 'done');
  assert.equal(typeof seen[3].body.ts, 'number');
  assert.equal(u.closed, true);
});

test('beyond the queue limit the oldest waiting batch is dropped', async () => {
  const { url, seen } = await scriptedServer((req) =>
    req.path.endsWith('/join') ? joined : ack(req),
  );
  const { u, errors } = uploader(url, { maxQueuedBatches: 2 });
  for (const id of ['b1', 'b2', 'b3']) u.enqueue(batch(id)); // not joined yet: nothing in flight
  await u.join({});
  await u.drain(5000);
  assert.deepEqual(
    seen.slice(1).map((s) => s.body.batch_id),
    ['b2', 'b3'],
  );
  assert.deepEqual(errors, ['queue_overflow']);
  u.close();
});

test('a 409 (the server closed the peer) makes it join again as a new peer and resend the same batch there', async () => {
  let joins = 0;
  const { url, seen } = await scriptedServer((req) => {
    if (req.path.endsWith('/join'))
      return { status: 201, body: { success: true, data: { peer_id: `peer-${++joins}` } } };
    if (req.path.includes('/peer-1/')) return { status: 409 };
    return ack(req);
  });
  const rejoins: string[] = [];
  const { u, acks } = uploader(url, {
    onRejoin: (prev, cur) => rejoins.push(`${prev.peer_id}->${cur.peer_id}`),
  });
  await u.join({ client: { user_agent: 'x' } });
  u.enqueue(batch('b1'));
  await u.drain(5000);
  assert.deepEqual(
    seen.map((s) => `${s.path.replace('/ingest/v1', '')} ${s.body.batch_id ?? ''}`.trim()),
    ['/join', '/peers/peer-1/batches b1', '/join', '/peers/peer-2/batches b1'],
  );
  assert.deepEqual(seen[2].body.client, { user_agent: 'x' });
  assert.deepEqual(rejoins, ['peer-1->peer-2']);
  assert.deepEqual(
    acks.map((a) => a.batch_id),
    ['b1'],
  );
  assert.equal(u.peer?.peer_id, 'peer-2');
  u.close();
});

test('after network errors the retry delay stays well under the peer timeout the server announced', async () => {
  let failures = 0;
  const { url, seen } = await scriptedServer((req) => {
    // The server announces a 0.3 s peer timeout: retries must come within a sixth of it (50 ms).
    if (req.path.endsWith('/join'))
      return {
        status: 201,
        body: { success: true, data: { peer_id: 'peer-1', heartbeat_timeout_s: 0.3 } },
      };
    return failures++ < 3 ? 'hang-up' : ack(req);
  });
  // Configured backoff far above the timeout: without the cap the first retry alone would wait 5-10 s.
  const { u, acks } = uploader(url, { retryBaseMs: 10_000, retryMaxMs: 60_000 });
  try {
    await u.join({});
    u.enqueue(batch('b1'));
    for (let i = 0; i < 60 && acks.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      acks.map((a) => a.batch_id),
      ['b1'],
      `acknowledged after ${seen.length - 1} attempts`,
    );
    assert.equal(acks[0].attempts, 4);
  } finally {
    u.close();
  }
});

test('a batch that keeps getting the same server error is given up after a bounded number of attempts; the next one still goes out', async () => {
  // The server fails on one batch for good (a poison batch), as a 500 would for text PostgreSQL refuses.
  const { url, seen } = await scriptedServer((req) =>
    req.path.endsWith('/join')
      ? joined
      : req.body.batch_id === 'poison'
        ? { status: 500 }
        : ack(req),
  );
  const { u, acks, errors } = uploader(url, { maxServerErrorAttempts: 4 });
  await u.join({});
  u.enqueue(batch('poison'));
  u.enqueue(batch('after'));
  assert.equal(await u.drain(5000), true);
  assert.deepEqual(
    seen.slice(1).map((s) => s.body.batch_id),
    ['poison', 'poison', 'poison', 'poison', 'after'],
  );
  assert.deepEqual(
    acks.map((a) => a.batch_id),
    ['after'],
  );
  assert.deepEqual(errors, ['batch_given_up']);
  assert.equal(u.stats.batches_dropped, 1);
  u.close();
});

test('503 and network errors are not counted against the batch: an outage never drops it', async () => {
  const { url, seen } = await scriptedServer((req, n) =>
    req.path.endsWith('/join') ? joined : n <= 8 ? (n % 2 ? { status: 503 } : 'hang-up') : ack(req),
  );
  const { u, acks, errors } = uploader(url, { maxServerErrorAttempts: 2 });
  await u.join({});
  u.enqueue(batch('kept'));
  assert.equal(await u.drain(5000), true);
  assert.equal(seen.length, 10);
  assert.deepEqual(
    acks.map((a) => a.batch_id),
    ['kept'],
  );
  assert.deepEqual(errors, []);
  u.close();
});

test('the count is per error: alternating server errors are the server, not the batch, and are retried', async () => {
  const { url, seen } = await scriptedServer((req, n) =>
    req.path.endsWith('/join') ? joined : n <= 6 ? { status: n % 2 ? 500 : 502 } : ack(req),
  );
  const { u, acks, errors } = uploader(url, { maxServerErrorAttempts: 2 });
  await u.join({});
  u.enqueue(batch('flaky'));
  assert.equal(await u.drain(5000), true);
  assert.equal(seen.length, 8);
  assert.deepEqual(
    acks.map((a) => a.batch_id),
    ['flaky'],
  );
  assert.deepEqual(errors, []);
  u.close();
});

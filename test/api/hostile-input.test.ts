/**
 * Hostile input through the real server, the same answer on both stores
 * (issue 11): text PostgreSQL cannot keep (U+0000, lone surrogates) in any
 * body field, query parameter or path id is a 400 naming the field, never a
 * 5xx, and never poisons the peer; physically impossible figures are a 400
 * naming the field; LIKE wildcards in `search` are escaped, not stripped;
 * JSON answers are `Cache-Control: no-store`; an oversized body is always
 * answered 413, even while the client keeps sending; an aborted upload is
 * not an internal error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { call, newParticipant } from '../support/api-client.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

let t: TestServer;
const errorsLogged: string[] = [];
const originalError = console.error;

before(async () => {
  t = await startTestServer({ maxIngestBodyBytes: 256 * 1024, maxApiBodyBytes: 16 * 1024 });
  // What the server logs as an error (an aborted upload must not be one).
  console.error = (...args: unknown[]) => {
    errorsLogged.push(args.map(String).join(' '));
    originalError(...args);
  };
});
after(async () => {
  console.error = originalError;
  await t.close();
});

const acct = () => `/client/v4/accounts/${t.accountId}/realtime/kit`;
const freshBatches = (seed: number): TelemetryBatch[] => [
  ...syntheticBatches({
    profile: CALL_PROFILES.clean,
    startMs: Date.now() - 120_000,
    minutes: 0.5,
    seed,
    batchIdPrefix: randomUUID(),
  }),
];

async function joinedPeer() {
  const p = await newParticipant(t.url, t.token, t.accountId, t.appId);
  const j = await call(t.url, 'POST', '/ingest/v1/join', p.token, {});
  assert.equal(j.status, 201, j.text);
  return { ...p, peerId: j.json.data.peer_id as string };
}

function assert400(r: { status: number; json: any; text: string }, field: string, what: string) {
  assert.equal(r.status, 400, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
  assert.equal(r.json.success, false);
  assert.equal(r.json.error.field, field, `${what}: ${r.text.slice(0, 200)}`);
}

/** The characters no store can keep, as they arrive in JSON text. */
const BAD_TEXT = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', '\udc00'],
] as const;

describe('text a store cannot keep: 400 naming the field, on both stores', () => {
  test('in every kind of ingest field (batch, event, metadata key, join, leave); the peer goes on afterwards', async () => {
    const peer = await joinedPeer();
    const [b0, b1] = freshBatches(1);
    const cases: [string, (b: any, bad: string) => void][] = [
      ['samples[0].pc', (b, bad) => (b.samples[0].pc = bad)],
      ['samples[0].codec', (b, bad) => (b.samples[0].codec = bad)],
      ['batch_id', (b, bad) => (b.batch_id = `batch-${bad}-xyz`)],
      ['events[0].name', (b, bad) => (b.events = [{ ts: b.samples[0].ts, name: bad }])],
      [
        'events[0].metadata.k',
        (b, bad) => (b.events = [{ ts: b.samples[0].ts, name: 'x', metadata: { k: bad } }]),
      ],
      ['client.user_agent', (b, bad) => (b.client = { user_agent: bad })],
      [
        'selected_devices[0].device.label',
        (b, bad) => (b.selected_devices = [{ ts: b.samples[0].ts, device: { label: bad } }]),
      ],
    ];
    for (const [name, bad] of BAD_TEXT) {
      for (const [field, corrupt] of cases) {
        const b = structuredClone(b0) as any;
        corrupt(b, bad);
        assert400(
          await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/batches`, peer.token, b),
          field,
          `${name} in ${field}`,
        );
      }
      // An unknown key is dropped by validation, but not before it is looked at.
      const withKey = structuredClone(b0) as any;
      withKey.events = [{ ts: withKey.samples[0].ts, name: 'x', metadata: { [`k${bad}`]: 1 } }];
      const keyAnswer = await call(
        t.url,
        'POST',
        `/ingest/v1/peers/${peer.peerId}/batches`,
        peer.token,
        withKey,
      );
      assert.equal(keyAnswer.status, 400, keyAnswer.text);
      assert.match(keyAnswer.json.error.field, /^events\[0\]\.metadata/);
      assert400(
        await call(t.url, 'POST', '/ingest/v1/join', peer.token, { client: { sdk_name: bad } }),
        'client.sdk_name',
        `${name} in join`,
      );
      assert400(
        await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/leave`, peer.token, {
          reason: bad,
        }),
        'reason',
        `${name} in leave`,
      );
    }
    // Nothing was poisoned: the peer's telemetry goes on, and the peer is still live.
    for (const b of [b0, b1])
      assert.equal(
        (await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/batches`, peer.token, b))
          .status,
        200,
      );
    const left = await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/leave`, peer.token, {
      reason: 'left',
    });
    assert.equal(left.json.data.closed, true);
    const report = await call(
      t.url,
      'GET',
      `${acct()}/${t.appId}/sessions/peer-report/${peer.peerId}`,
      t.token,
    );
    assert.equal(report.status, 200);
  });

  test('in account API bodies: app name, meeting title and config, participant fields', async () => {
    const m = await call(t.url, 'POST', `${acct()}/${t.appId}/meetings`, t.token, { title: 'ok' });
    const meeting = `${acct()}/${t.appId}/meetings/${m.json.data.id}`;
    const p = await call(t.url, 'POST', `${meeting}/participants`, t.token, {
      custom_participant_id: 'cp',
      preset_name: 'host',
    });
    for (const [name, bad] of BAD_TEXT) {
      assert400(
        await call(t.url, 'POST', `${acct()}/apps`, t.token, { name: bad }),
        'name',
        `${name} app name`,
      );
      assert400(
        await call(t.url, 'POST', `${acct()}/${t.appId}/meetings`, t.token, { title: bad }),
        'title',
        `${name} meeting title`,
      );
      assert400(
        await call(t.url, 'POST', `${acct()}/${t.appId}/meetings`, t.token, {
          title: 'x',
          record_on_start: bad,
        }),
        'record_on_start',
        `${name} meeting config`,
      );
      assert400(
        await call(t.url, 'PATCH', meeting, t.token, { title: bad }),
        'title',
        `${name} meeting update`,
      );
      assert400(
        await call(t.url, 'POST', `${meeting}/participants`, t.token, {
          custom_participant_id: bad,
          preset_name: 'host',
        }),
        'custom_participant_id',
        `${name} custom_participant_id`,
      );
      assert400(
        await call(t.url, 'POST', `${meeting}/participants`, t.token, {
          custom_participant_id: 'a',
          preset_name: 'host',
          name: bad,
        }),
        'name',
        `${name} participant name`,
      );
      assert400(
        await call(t.url, 'PATCH', `${meeting}/participants/${p.json.data.id}`, t.token, {
          picture: bad,
        }),
        'picture',
        `${name} participant picture`,
      );
    }
    // The meeting is as it was.
    assert.equal((await call(t.url, 'GET', meeting, t.token)).json.data.title, 'ok');
  });

  test('in query parameters and path ids', async () => {
    const lists = [
      `${acct()}/apps`,
      `${acct()}/${t.appId}/meetings`,
      `${acct()}/${t.appId}/sessions`,
    ];
    for (const escaped of ['%00', 'a%00', '%ED%A0%80']) {
      for (const list of lists) {
        const r = await call(t.url, 'GET', `${list}?search=${escaped}`, t.token);
        if (escaped === '%ED%A0%80') {
          // Not UTF-8 at all (an encoded surrogate): decoded to U+FFFD, searchable, stored nowhere.
          assert.equal(r.status, 200, `${list} ${escaped}: ${r.text.slice(0, 200)}`);
        } else {
          assert400(r, 'search', `${list} search=${escaped}`);
        }
      }
    }
    const ids = [
      `/client/v4/accounts/${t.accountId}%00/realtime/kit/apps`,
      `${acct()}/%00/meetings`,
      `${acct()}/${t.appId}/meetings/%00`,
      `${acct()}/${t.appId}/sessions/%00`,
      `${acct()}/${t.appId}/sessions/peer-report/%00`,
    ];
    for (const path of ids) assert400(await call(t.url, 'GET', path, t.token), 'path', path);
    const peer = await joinedPeer();
    assert400(
      await call(
        t.url,
        'POST',
        `/ingest/v1/peers/${peer.peerId}%00/batches`,
        peer.token,
        freshBatches(2)[0],
      ),
      'path',
      'peer id',
    );
  });
});

describe('physically impossible figures: 400 naming the field', () => {
  test('RTT, jitter, counters, rates, sizes and levels beyond their bounds', async () => {
    const peer = await joinedPeer();
    const [b0] = freshBatches(3);
    const audio = b0.samples!.findIndex((s) => s.media === 'audio');
    const video = b0.samples!.findIndex((s) => s.media === 'video' && s.direction === 'consumer');
    const cases: [number, string, number][] = [
      [audio, 'rtt_ms', 1e308],
      [audio, 'rtt_ms', 60_001],
      [audio, 'jitter_ms', 120_000],
      [audio, 'bytes', 1e308],
      [audio, 'packets', 2 ** 53],
      [audio, 'packets_lost', -(2 ** 60)],
      [audio, 'bytes', -1],
      [audio, 'audio_level', 1.5],
      [audio, 'total_rtt_s', 1e300],
      [video, 'frames_per_second', 100_000],
      [video, 'frame_width', 1e9],
      [video, 'frames_decoded', 1e20],
    ];
    for (const [i, key, value] of cases) {
      const b = structuredClone(b0) as any;
      b.samples[i][key] = value;
      assert400(
        await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/batches`, peer.token, b),
        `samples[${i}].${key}`,
        `${key} = ${value}`,
      );
    }
    const withPair = structuredClone(b0) as any;
    withPair.candidate_pairs = [
      { ts: b0.samples![0].ts, pc: 'pc', id: 'cp', current_rtt_ms: 1e308 },
    ];
    assert400(
      await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/batches`, peer.token, withPair),
      'candidate_pairs[0].current_rtt_ms',
      'pair rtt',
    );
    assert400(
      await call(t.url, 'POST', '/ingest/v1/join', peer.token, {
        precall: { ts: Date.now(), rtt_ms: 1e308 },
      }),
      'precall.rtt_ms',
      'precall rtt',
    );
    // The batch itself, within bounds, is stored.
    assert.equal(
      (await call(t.url, 'POST', `/ingest/v1/peers/${peer.peerId}/batches`, peer.token, b0)).status,
      200,
    );
  });
});

describe('search escapes LIKE wildcards (apps, meetings, sessions), the same on both stores', () => {
  test('%, _ and \\ match themselves; case is ignored', async () => {
    const names = ['50% Off', '500 Off', 'a_b', 'axb', 'back\\slash', 'backslash'];
    const tag = randomUUID().slice(0, 8);
    for (const n of names) {
      assert.equal(
        (await call(t.url, 'POST', `${acct()}/apps`, t.token, { name: `${tag} ${n}` })).status,
        201,
      );
      assert.equal(
        (
          await call(t.url, 'POST', `${acct()}/${t.appId}/meetings`, t.token, {
            title: `${tag} ${n}`,
          })
        ).status,
        201,
      );
    }
    const expect: [string, string[]][] = [
      ['0%', ['50% Off']],
      ['%', ['50% Off']],
      ['_', ['a_b']],
      ['\\', ['back\\slash']],
      ['OFF', ['50% Off', '500 Off']],
    ];
    for (const [term, want] of expect) {
      const q = encodeURIComponent(`${tag}`);
      const apps = await call(
        t.url,
        'GET',
        `${acct()}/apps?per_page=100&search=${encodeURIComponent(term)}`,
        t.token,
      );
      assert.equal(apps.status, 200);
      assert.deepEqual(
        apps.json.data
          .map((a: any) => a.name)
          .filter((n: string) => n.startsWith(tag))
          .map((n: string) => n.slice(tag.length + 1))
          .sort(),
        [...want].sort(),
        `apps search ${term}`,
      );
      const meetings = await call(
        t.url,
        'GET',
        `${acct()}/${t.appId}/meetings?per_page=100&search=${encodeURIComponent(term)}`,
        t.token,
      );
      assert.deepEqual(
        meetings.json.data
          .map((m: any) => m.title)
          .filter((n: string) => n?.startsWith(tag))
          .map((n: string) => n.slice(tag.length + 1))
          .sort(),
        [...want].sort(),
        `meetings search ${term}`,
      );
      void q;
    }
  });
});

describe('answers', () => {
  test('every JSON answer is Cache-Control: no-store, above all those carrying participant tokens', async () => {
    const m = await call(t.url, 'POST', `${acct()}/${t.appId}/meetings`, t.token, {
      title: 'cache',
    });
    const meeting = `${acct()}/${t.appId}/meetings/${m.json.data.id}`;
    const p = await call(t.url, 'POST', `${meeting}/participants`, t.token, {
      custom_participant_id: 'c',
      preset_name: 'host',
    });
    assert.ok(p.json.data.token, 'p.json.data.token');
    const refreshed = await call(
      t.url,
      'POST',
      `${meeting}/participants/${p.json.data.id}/token`,
      t.token,
      {},
    );
    assert.ok(refreshed.json.data.token, 'refreshed.json.data.token');
    const join = await call(t.url, 'POST', '/ingest/v1/join', refreshed.json.data.token, {});
    const answers = [
      m,
      p,
      refreshed,
      join,
      await call(t.url, 'GET', `${acct()}/apps`, t.token),
      await call(t.url, 'GET', `${acct()}/apps`, 'wrong'),
      await call(t.url, 'GET', '/no/such/route', undefined),
      await call(t.url, 'GET', '/healthz', undefined),
    ];
    for (const a of answers)
      assert.equal(
        a.headers.get('cache-control'),
        'no-store',
        `${a.status} ${a.text.slice(0, 80)}`,
      );
  });

  test('a too-large body is answered 413 while the client is still sending it, and the rest is read, never reset (declared or chunked)', async () => {
    const peer = await joinedPeer();
    const { port } = new URL(t.url);
    for (const framing of ['content-length', 'chunked'] as const) {
      // A client on a slow link: 4 MB at ~4 MB/s. The answer must come at once, and the server must read the
      // rest rather than close the socket under it (a reset can discard the 413 before the client reads it).
      const outcome = await new Promise<{ answer: string; error?: string; sentAll: boolean }>(
        (resolve) => {
          const socket = net.connect(Number(port), '127.0.0.1');
          let answer = '';
          let error: string | undefined;
          const total = 4 * 1024 * 1024;
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          let sent = 0;
          socket.on('data', (d) => (answer += d.toString()));
          socket.on('error', (e) => (error = (e as NodeJS.ErrnoException).code ?? e.message));
          const head =
            framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
          socket.write(
            `POST /ingest/v1/peers/${peer.peerId}/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${peer.token}\r\nContent-Type: application/json\r\n${head}\r\n\r\n`,
          );
          const timer = setInterval(() => {
            if (socket.destroyed || error) {
              clearInterval(timer);
              return resolve({ answer, error, sentAll: false });
            }
            sent += chunk.length;
            socket.write(
              framing === 'chunked'
                ? Buffer.concat([
                    Buffer.from(`${chunk.length.toString(16)}\r\n`),
                    chunk,
                    Buffer.from('\r\n'),
                  ])
                : chunk,
            );
            if (sent >= total) {
              clearInterval(timer);
              if (framing === 'chunked') socket.write('0\r\n\r\n');
              setTimeout(() => {
                socket.destroy();
                resolve({ answer, error, sentAll: true });
              }, 300);
            }
          }, 15);
        },
      );
      assert.match(
        outcome.answer,
        /^HTTP\/1\.1 413 /,
        `${framing}: ${outcome.answer.slice(0, 100)}`,
      );
      assert.match(outcome.answer, /"field":"body"/);
      assert.equal(
        outcome.error,
        undefined,
        `${framing}: the connection failed (${outcome.error}) while the client was still sending`,
      );
      assert.equal(
        outcome.sentAll,
        true,
        `${framing}: the server closed the connection before the body was sent`,
      );
    }
  });

  test('an upload aborted by the client is not an internal error', async () => {
    const peer = await joinedPeer();
    const { port } = new URL(t.url);
    const before = errorsLogged.length;
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `POST /ingest/v1/peers/${peer.peerId}/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${peer.token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"batch_id":"`,
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
      });
    }
    // The server is fine and said nothing about it.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await call(t.url, 'GET', '/healthz', undefined)).status, 200);
    assert.deepEqual(
      errorsLogged.slice(before).filter((l) => /internal error/.test(l)),
      [],
    );
  });
});

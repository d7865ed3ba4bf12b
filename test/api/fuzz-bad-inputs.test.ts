/**
 * Property-based fuzzing of the ingest and account APIs through the real
 * server, on both stores (issue 11): 10,000+ generated hostile requests
 * (corrupted batches, joins, leaves, bodies that are not JSON, hostile app,
 * meeting and participant fields, query parameters and path ids), seeded so a
 * failure replays. Whatever the input: never a 5xx, the server stays up, and
 * a report stored before the run is byte-identical after it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../support/server.ts';
import { call, newParticipant } from '../support/api-client.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const CONCURRENCY = 24;

let t: TestServer;
let reference: SimulatedPeer;
before(async () => {
  // No rate limit: the fuzzer is one participant sending as fast as it can, and 429s would hide the inputs.
  t = await startTestServer({
    ingestRatePerSecond: 0,
    joinRatePerSecond: 0,
    maxIngestBodyBytes: 256 * 1024,
  });
  [reference] = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'lossy-wifi',
    minutes: 1,
    peers: 1,
  });
});
after(() => t.close());

/** One request of the fuzzer. */
interface FuzzRequest {
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
  /** Which token: the account's admin token or the fuzz participant's. */
  as: 'admin' | 'participant';
}

/** Hostile scalars: text no store keeps, huge, negative and fractional numbers, wrong types. */
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000',
    '\ud800',
    '\udfff',
    'x\ud83d',
    '%',
    '_',
    '\\',
    "'; drop table apps; --",
    '../../etc/passwd',
    '',
    ' ',
    '🎉'.repeat(100),
  ),
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    1e308,
    -1e308,
    2 ** 53,
    2 ** 64,
    -1,
    -0,
    0.5,
    4294967296,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.boolean(),
  fc.constant(null),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), hostileScalar, {
      maxKeys: 4,
    }),
  },
);

const [validBatch] = [
  ...syntheticBatches({
    profile: CALL_PROFILES['lossy-wifi'],
    startMs: Date.now() - 600_000,
    minutes: 0.2,
    seed: 9,
    batchIdPrefix: 'fuzz',
  }),
];
const SAMPLE_KEYS = Object.keys(validBatch.samples![0]).concat([
  'rtt_ms',
  'jitter_ms',
  'frames_per_second',
  'frame_width',
  'audio_level',
  'quality_limitation_durations',
  'unknown_key',
]);
const TOP_KEYS = [
  'batch_id',
  'sent_at',
  'client',
  'samples',
  'candidate_pairs',
  'events',
  'device_updates',
  'selected_devices',
  'pc_metadata',
  'precall',
  'extra',
];

/** A valid batch with one to three fields replaced by hostile values. */
const corruptBatch = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.record({
          where: fc.constant('top' as const),
          key: fc.constantFrom(...TOP_KEYS),
          value: hostileValue,
        }),
        fc.record({
          where: fc.constant('sample' as const),
          index: fc.nat(5),
          key: fc.constantFrom(...SAMPLE_KEYS),
          value: hostileValue,
        }),
        fc.record({
          where: fc.constant('event' as const),
          key: fc.constantFrom('ts', 'name', 'pc', 'metadata'),
          value: hostileValue,
        }),
        fc.record({
          where: fc.constant('pair' as const),
          key: fc.constantFrom(
            'id',
            'pc',
            'current_rtt_ms',
            'bytes_sent',
            'local',
            'remote',
            'state',
          ),
          value: hostileValue,
        }),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    fc.boolean(),
  )
  .map(([edits, freshId]) => {
    const b = structuredClone(validBatch) as any;
    b.batch_id = freshId ? `fuzz-${randomUUID()}` : b.batch_id;
    b.events = [{ ts: b.samples[0].ts, name: 'e', pc: 'pc', metadata: { a: 1 } }];
    b.candidate_pairs = [
      { ts: b.samples[0].ts, pc: 'pc', id: 'cp', local: { address: '10.0.0.1' } },
    ];
    // Nested edits first: a top-level edit may replace the array they would reach into.
    for (const e of [...edits].sort(
      (x, y) => Number(x.where === 'top') - Number(y.where === 'top'),
    )) {
      if (e.where === 'top') b[e.key] = e.value;
      else if (e.where === 'sample') b.samples[e.index % b.samples.length][e.key] = e.value;
      else if (e.where === 'event') b.events[0][e.key] = e.value;
      else b.candidate_pairs[0][e.key] = e.value;
    }
    return b;
  });

const notJson = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '{"batch_id":',
    '\u0000',
    '{"a":"\\ud800"}',
    '{"batch_id":"\\u0000xxxxxxx"}',
    '1e999',
  ),
);
const idSegment = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('%00', '%ED%A0%80', '%FF', '..', '%2e%2e', 'a%00b', '%', '%%'),
);
const queryValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('%00', '%25', '_', '%5C', '-1', '1e308', '99999999999', 'NaN', '%ED%A0%80', ''),
);
const queryName = fc.constantFrom(
  'search',
  'per_page',
  'page_no',
  'sort_order',
  'sort_by',
  'status',
  'start_time',
  'end_time',
  'view',
  'include_peer_events',
  'filters',
  'title',
);

function requests(peerPath: () => string, meetingPath: () => string): fc.Arbitrary<FuzzRequest> {
  const acct = () => `/client/v4/accounts/${t.accountId}/realtime/kit`;
  return fc.oneof(
    {
      weight: 5,
      arbitrary: corruptBatch.map((body): FuzzRequest => ({
        method: 'POST',
        path: `${peerPath()}/batches`,
        body,
        as: 'participant',
      })),
    },
    {
      weight: 1,
      arbitrary: notJson.map((body): FuzzRequest => ({
        method: 'POST',
        path: `${peerPath()}/batches`,
        body,
        as: 'participant',
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', ''), notJson)
        .map(([contentType, body]): FuzzRequest => ({
          method: 'POST',
          path: `${peerPath()}/batches`,
          body,
          contentType,
          as: 'participant',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record(
          {
            client: hostileValue,
            precall: hostileValue,
            joined_at: hostileValue,
            previous_peer_id: hostileValue,
          },
          { requiredKeys: [] },
        )
        .map((body): FuzzRequest => ({
          method: 'POST',
          path: '/ingest/v1/join',
          body,
          as: 'participant',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ reason: hostileValue, ts: hostileValue }, { requiredKeys: [] })
        .map((body): FuzzRequest => ({
          method: 'POST',
          path: `${peerPath()}/leave`,
          body,
          as: 'participant',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(idSegment, fc.constantFrom('batches', 'leave'))
        .map(([id, what]): FuzzRequest => ({
          method: 'POST',
          path: `/ingest/v1/peers/${id}/${what}`,
          body: validBatch,
          as: 'participant',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ name: hostileValue, extra: hostileValue }, { requiredKeys: [] })
        .map((body): FuzzRequest => ({
          method: 'POST',
          path: `${acct()}/apps`,
          body,
          as: 'admin',
        })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record(
          {
            title: hostileValue,
            status: hostileValue,
            record_on_start: hostileValue,
            live_stream_on_start: hostileValue,
          },
          { requiredKeys: [] },
        )
        .map((body): FuzzRequest => ({
          method: 'POST',
          path: `${acct()}/${t.appId}/meetings`,
          body,
          as: 'admin',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('PATCH', 'PUT'),
          fc.record(
            { title: hostileValue, status: hostileValue, x: hostileValue },
            { requiredKeys: [] },
          ),
        )
        .map(([method, body]): FuzzRequest => ({ method, path: meetingPath(), body, as: 'admin' })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record(
          {
            custom_participant_id: hostileValue,
            preset_name: hostileValue,
            name: hostileValue,
            picture: hostileValue,
          },
          { requiredKeys: [] },
        )
        .map((body): FuzzRequest => ({
          method: 'POST',
          path: `${meetingPath()}/participants`,
          body,
          as: 'admin',
        })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'apps',
            'meetings',
            'sessions',
            'meeting-participants',
            'peer-report',
            'session',
            'session-participants',
          ),
          idSegment,
          fc.array(fc.tuple(queryName, queryValue), { maxLength: 4 }),
        )
        .map(([kind, id, query]): FuzzRequest => {
          const qs = query.length ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
          const path = {
            apps: `${acct()}/apps`,
            meetings: `${acct()}/${t.appId}/meetings`,
            sessions: `${acct()}/${t.appId}/sessions`,
            'meeting-participants': `${acct()}/${t.appId}/meetings/${id}/participants`,
            'peer-report': `${acct()}/${t.appId}/sessions/peer-report/${id}`,
            session: `${acct()}/${t.appId}/sessions/${id}`,
            'session-participants': `${acct()}/${id}/sessions/${reference.sessionId}/participants`,
          }[kind];
          return { method: 'GET', path: `${path}${qs}`, as: 'admin' };
        }),
    },
  );
}

test(`${RUNS} generated hostile requests: never a 5xx, the server stays up, earlier reports are unchanged (seed ${SEED})`, async (ctx) => {
  const reportPath = `/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${reference.peerId}`;
  const before = await call(t.url, 'GET', reportPath, t.token);
  assert.equal(before.status, 200);

  const participant = await newParticipant(t.url, t.token, t.accountId, t.appId);
  const meeting = `/client/v4/accounts/${t.accountId}/realtime/kit/${t.appId}/meetings/${participant.meetingId}`;
  let peerId = '';
  const rejoin = async () => {
    const j = await call(t.url, 'POST', '/ingest/v1/join', participant.token, {});
    assert.equal(j.status, 201, j.text);
    peerId = j.json.data.peer_id;
  };
  await rejoin();
  const inputs = fc.sample(
    requests(
      () => `/ingest/v1/peers/${peerId}`,
      () => meeting,
    ),
    { seed: SEED, numRuns: RUNS },
  );

  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < inputs.length && failures.length < 10) {
      const input = inputs[next++];
      const token = input.as === 'admin' ? t.token : participant.token;
      const r = await call(
        t.url,
        input.method,
        input.path,
        token,
        input.body,
        input.contentType ?? 'application/json',
      );
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500)
        failures.push(
          `${r.status} ${input.method} ${input.path} ${JSON.stringify(input.body)?.slice(0, 300)} → ${r.text.slice(0, 200)}`,
        );
      // A valid leave closes the fuzz peer: join again so batches keep reaching a live peer.
      if (input.path.endsWith('/leave') && r.status === 200) await rejoin();
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  ctx.diagnostic(
    `${RUNS} requests in ${Date.now() - started} ms; statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`,
  );
  assert.deepEqual(failures, [], `5xx answers (replay with FUZZ_SEED=${SEED})`);
  const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
  assert.equal(answered, RUNS);
  // Most inputs must have been refused: the fuzzer tests bad input, not the happy path.
  const refused = [...statuses].filter(([s]) => s >= 400).reduce((a, [, n]) => a + n, 0);
  assert.ok(
    refused > RUNS / 2,
    `only ${refused} of ${RUNS} refused: ${JSON.stringify([...statuses])}`,
  );

  assert.equal((await call(t.url, 'GET', '/healthz', undefined)).status, 200);
  const afterRun = await call(t.url, 'GET', reportPath, t.token);
  assert.equal(afterRun.text, before.text, 'the earlier report changed');
});

/**
 * Privacy lifecycle (issue 11 item 9), on either store, through the real
 * server: deleting a participant removes its record, its peers and every
 * per-peer row (read from the database), its reports answer 404, other
 * participants keep everything, and the session's counters stay consistent;
 * by id (API), by custom_participant_id (API, across meetings) and through
 * the CLI while the server runs. Retention by level: raw telemetry after N
 * days, per-peer summaries after M days, applied by the server's maintenance.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../support/server.ts';
import { binEnv } from '../support/server-process.ts';
import { postJson } from '../support/post-json.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { PER_PEER_TABLES } from '../../src/store/participant-erasure.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DAY = 86_400_000;
const pg = Boolean(process.env.TEST_DATABASE_URL);

interface Person {
  participantId: string;
  token: string;
  peers: { peerId: string; sessionId: string }[];
}

function api(t: TestServer): string {
  return `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
}

async function addPerson(t: TestServer, meetingId: string, custom: string): Promise<Person> {
  const p = await postJson(`${api(t)}/meetings/${meetingId}/participants`, t.token, {
    custom_participant_id: custom,
    preset_name: 'host',
    name: custom,
  });
  return { participantId: p.id, token: p.token, peers: [] };
}

/** Joins, sends one minute of synthetic telemetry (samples, pairs, events), and leaves unless `stayLive`. */
async function call(
  t: TestServer,
  person: Person,
  seed: number,
  stayLive = false,
): Promise<string> {
  const startMs = Date.now() - 2 * 60_000;
  const j = await postJson(`${t.url}/ingest/v1/join`, person.token, { joined_at: startMs });
  person.peers.push({ peerId: j.peer_id, sessionId: j.session_id });
  let first = true;
  for (const batch of syntheticBatches({
    profile: CALL_PROFILES['lossy-wifi'],
    startMs,
    minutes: 1,
    seed,
    batchIdPrefix: `erasure-batch-${seed}-`,
  })) {
    if (first)
      batch.events = [
        ...(batch.events ?? []),
        {
          ts: startMs + 500,
          name: 'icecandidateerror',
          pc: 'pc-x',
          metadata: { address: '81.2.69.142' },
        },
      ];
    first = false;
    await postJson(`${t.url}/ingest/v1/peers/${j.peer_id}/batches`, person.token, batch);
  }
  if (!stayLive)
    await postJson(`${t.url}/ingest/v1/peers/${j.peer_id}/leave`, person.token, {
      ts: startMs + 60_000,
    });
  return j.peer_id;
}

/** Rows of `peerIds` in every per-peer table and in `peers`. */
async function rowsOf(t: TestServer, peerIds: string[]): Promise<Record<string, number>> {
  const db = databaseOf(t.server.context.store).db;
  const out: Record<string, number> = {};
  for (const table of PER_PEER_TABLES) {
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('peer_id', 'in', peerIds)
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  out.peers = Number(
    (
      await db
        .selectFrom('peers')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('id', 'in', peerIds)
        .executeTakeFirstOrThrow()
    ).n,
  );
  return out;
}

async function reportStatus(
  t: TestServer,
  peerId: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${api(t)}/sessions/peer-report/${peerId}`, {
    headers: { authorization: `Bearer ${t.token}` },
  });
  return { status: res.status, text: await res.text() };
}

async function del(url: string, token: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

/** The session's counters against what its remaining peers say. */
async function assertSessionConsistent(t: TestServer, sessionId: string): Promise<void> {
  const db = databaseOf(t.server.context.store).db;
  const s = await db
    .selectFrom('sessions')
    .selectAll()
    .where('id', '=', sessionId)
    .executeTakeFirstOrThrow();
  const peers = await db
    .selectFrom('peers')
    .select(['participant_id', 'status', 'joined_at', 'left_at'])
    .where('session_id', '=', sessionId)
    .execute();
  const minutes = peers.reduce(
    (sum, p) => sum + (p.left_at === null ? 0 : (Number(p.left_at) - Number(p.joined_at)) / 60_000),
    0,
  );
  assert.ok(
    Math.abs(Number(s.minutes_consumed) - minutes) < 1e-6,
    `minutes_consumed ${s.minutes_consumed} vs ${minutes}`,
  );
  assert.equal(
    Number(s.live_participants),
    new Set(peers.filter((p) => p.status === 'live').map((p) => p.participant_id)).size,
  );
  assert.equal(s.status, peers.some((p) => p.status === 'live') ? 'LIVE' : 'ENDED');
  if (s.status === 'ENDED' && peers.length > 0)
    assert.equal(
      Number(s.ended_at),
      Math.max(...peers.map((p) => Number(p.left_at))),
      'ended with its last remaining peer',
    );
}

describe('deleting a participant', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ peerTimeoutMs: 600_000 });
  });
  after(() => t.close());

  test('by id: its record, peers and every derived row go in one step; others keep theirs; counters stay consistent', async () => {
    const meeting = await postJson(`${api(t)}/meetings`, t.token, { title: 'erasure' });
    const alice = await addPerson(t, meeting.id, 'alice');
    const bob = await addPerson(t, meeting.id, 'bob');
    await call(t, alice, 1); // left
    await call(t, bob, 2, true); // live
    await call(t, alice, 3, true); // rejoined, still live
    const alicePeers = alice.peers.map((p) => p.peerId);
    const bobPeers = bob.peers.map((p) => p.peerId);
    const before = await rowsOf(t, alicePeers);
    for (const table of [
      'quality_chunks',
      'stream_state',
      'peer_batches',
      'candidate_pairs',
      'peer_events',
      'peers',
    ])
      assert.ok(before[table] > 0, `seeded ${table}`);
    const bobBefore = await rowsOf(t, bobPeers);
    const sessionId = alice.peers[0].sessionId;
    assert.equal((await reportStatus(t, alicePeers[0])).status, 200);

    // Not for a read-only token; a malformed id is a 400 naming it; an unknown one a 404.
    assert.equal(
      (
        await del(
          `${api(t)}/meetings/${meeting.id}/participants/${alice.participantId}/data`,
          t.readToken,
        )
      ).status,
      403,
    );
    const bad = await del(`${api(t)}/meetings/${meeting.id}/participants/not-a-uuid/data`, t.token);
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0].message, /participant_id/);
    assert.equal(
      (
        await del(
          `${api(t)}/meetings/${meeting.id}/participants/00000000-0000-4000-8000-000000000000/data`,
          t.token,
        )
      ).status,
      404,
    );

    const r = await del(
      `${api(t)}/meetings/${meeting.id}/participants/${alice.participantId}/data`,
      t.token,
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.data.participant_ids, [alice.participantId]);
    assert.deepEqual([...r.json.data.peer_ids].sort(), [...alicePeers].sort());

    assert.deepEqual(
      Object.values(await rowsOf(t, alicePeers)),
      Array(PER_PEER_TABLES.length + 1).fill(0),
    );
    const participantRow = await databaseOf(t.server.context.store)
      .db.selectFrom('participants')
      .select('id')
      .where('id', '=', alice.participantId)
      .executeTakeFirst();
    assert.equal(participantRow, undefined, 'the participant record (name, custom id) is gone');
    for (const peerId of alicePeers) assert.equal((await reportStatus(t, peerId)).status, 404);
    assert.deepEqual(await rowsOf(t, bobPeers), bobBefore, "bob's rows are untouched");
    const bobReport = await reportStatus(t, bobPeers[0]);
    assert.equal(bobReport.status, 200);
    for (const peerId of alicePeers)
      assert.ok(!bobReport.text.includes(peerId), "bob's report no longer names alice's peers");
    await assertSessionConsistent(t, sessionId);
    // Alice's token no longer joins; the session is still live for bob.
    const join = await fetch(`${t.url}/ingest/v1/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(join.status, 401);
    // A batch for an erased peer finds no peer.
    const late = await fetch(`${t.url}/ingest/v1/peers/${alicePeers[1]}/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch_id: 'late-batch-1' }),
    });
    assert.equal(late.status, 404);
  });

  test('by custom_participant_id: every participant of the app with that id, across meetings; the last live peer out ends the session', async () => {
    const m1 = await postJson(`${api(t)}/meetings`, t.token, { title: 'one' });
    const m2 = await postJson(`${api(t)}/meetings`, t.token, { title: 'two' });
    const carol1 = await addPerson(t, m1.id, 'carol');
    const carol2 = await addPerson(t, m2.id, 'carol');
    const dave = await addPerson(t, m1.id, 'dave');
    await call(t, dave, 5, true);
    await call(t, carol1, 4);
    // Dave leaves last but says he left earlier: the session ends at carol's leave, until carol is erased.
    await postJson(`${t.url}/ingest/v1/peers/${dave.peers[0].peerId}/leave`, dave.token, {
      ts: Date.now() - 90_000,
    });
    const ended = await databaseOf(t.server.context.store)
      .db.selectFrom('sessions')
      .select(['status', 'ended_at'])
      .where('id', '=', dave.peers[0].sessionId)
      .executeTakeFirstOrThrow();
    const carolLeft = await databaseOf(t.server.context.store)
      .db.selectFrom('peers')
      .select('left_at')
      .where('id', '=', carol1.peers[0].peerId)
      .executeTakeFirstOrThrow();
    assert.deepEqual([ended.status, Number(ended.ended_at)], ['ENDED', Number(carolLeft.left_at)]);
    await call(t, carol2, 6, true); // alone and live in meeting two
    const missing = await del(`${api(t)}/participant-data`, t.token);
    assert.equal(missing.status, 400);
    assert.match(missing.json.errors[0].message, /custom_participant_id/);
    const r = await del(`${api(t)}/participant-data?custom_participant_id=carol`, t.token);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(
      [...r.json.data.participant_ids].sort(),
      [carol1.participantId, carol2.participantId].sort(),
    );
    const carolPeers = [...carol1.peers, ...carol2.peers].map((p) => p.peerId);
    assert.deepEqual(
      Object.values(await rowsOf(t, carolPeers)),
      Array(PER_PEER_TABLES.length + 1).fill(0),
    );
    assert.equal((await reportStatus(t, dave.peers[0].peerId)).status, 200);
    await assertSessionConsistent(t, carol1.peers[0].sessionId);
    await assertSessionConsistent(t, carol2.peers[0].sessionId); // ended, 0 minutes
    assert.equal(
      (await del(`${api(t)}/participant-data?custom_participant_id=carol`, t.token)).status,
      404,
    );
  });

  test('through the CLI while the server runs', async () => {
    const meeting = await postJson(`${api(t)}/meetings`, t.token, { title: 'cli' });
    const erin = await addPerson(t, meeting.id, 'erin');
    await call(t, erin, 7);
    const env = binEnv({ DATABASE_URL: t.databaseUrl ?? '' });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(root, 'bin/peer-report.js'),
        'delete-participant',
        '--account',
        t.accountId,
        '--app',
        t.appId,
        '--participant',
        erin.participantId,
        '--data',
        t.dataDir,
      ],
      { cwd: root, env },
    );
    const out = JSON.parse(stdout) as { peer_ids: string[]; deleted_rows: Record<string, number> };
    assert.deepEqual(out.peer_ids, [erin.peers[0].peerId]);
    assert.ok(out.deleted_rows.quality_chunks > 0, 'out.deleted_rows.quality_chunks > 0');
    assert.equal((await reportStatus(t, erin.peers[0].peerId)).status, 404);
    assert.deepEqual(
      Object.values(await rowsOf(t, out.peer_ids)),
      Array(PER_PEER_TABLES.length + 1).fill(0),
    );
    await assertSessionConsistent(t, erin.peers[0].sessionId);
  });
});

describe('retention by level', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      peerTimeoutMs: 600_000,
      retentionDays: 7,
      summaryRetentionDays: 30,
      maintenanceIntervalMs: 1_000,
    });
  });
  after(() => t.close());

  test('raw telemetry goes after N days, the peer summary after M days; fresh peers stay', async () => {
    const meeting = await postJson(`${api(t)}/meetings`, t.token, { title: 'retention' });
    const people = await Promise.all(
      ['fresh', 'tenDays', 'fortyDays'].map((name) => addPerson(t, meeting.id, name)),
    );
    const [fresh, ten, forty] = await Promise.all(people.map((p, i) => call(t, p, 10 + i)));
    const db = databaseOf(t.server.context.store).db;
    const now = Date.now();
    for (const [peerId, age] of [
      [ten, 10 * DAY],
      [forty, 40 * DAY],
    ] as const) {
      await db
        .updateTable('peers')
        .set({ updated_at: now - age, quality_aggregates: '{}' })
        .where('id', '=', peerId)
        .execute();
      // PostgreSQL: a row cannot move into a dropped day's partition by UPDATE; its day is past retention anyway.
      if (pg) await sql`DELETE FROM quality_chunks WHERE peer_id = ${peerId}`.execute(db);
      else
        await db
          .updateTable('quality_chunks')
          .set({ received_at: now - age })
          .where('peer_id', '=', peerId)
          .execute();
    }
    // The server's own maintenance applies both levels.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const tenRows = await rowsOf(t, [ten]);
      const fortyRows = await rowsOf(t, [forty]);
      if (tenRows.candidate_pairs === 0 && fortyRows.peers === 0) break;
      assert.ok(
        Date.now() < deadline,
        `maintenance did not apply retention: ${JSON.stringify({ tenRows, fortyRows })}`,
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    const tenRows = await rowsOf(t, [ten]);
    assert.equal(tenRows.peers, 1, 'the 10-day-old summary stays');
    for (const table of PER_PEER_TABLES)
      assert.equal(tenRows[table], 0, `raw ${table} of the 10-day-old peer`);
    const summary = await db
      .selectFrom('peers')
      .select(['expired_at', 'quality_aggregates', 'client'])
      .where('id', '=', ten)
      .executeTakeFirstOrThrow();
    assert.ok(summary.expired_at !== null, 'the 10-day-old peer is marked expired');
    // Compaction may have stored the real aggregates over the placeholder meanwhile: either way a summary stays.
    assert.ok(
      summary.quality_aggregates !== null && summary.quality_aggregates.length > 0,
      'its summary (aggregates) stays',
    );
    assert.match((await reportStatus(t, ten)).text, /expired/);
    assert.deepEqual(
      Object.values(await rowsOf(t, [forty])),
      Array(PER_PEER_TABLES.length + 1).fill(0),
    );
    assert.equal((await reportStatus(t, forty)).status, 404);
    const freshRows = await rowsOf(t, [fresh]);
    assert.ok(
      freshRows.quality_chunks > 0 && freshRows.peers === 1,
      'freshRows.quality_chunks > 0 && freshRows.peers === 1',
    );
    assert.equal((await reportStatus(t, fresh)).status, 200);
  });
});

/**
 * Each backend writes a group of telemetry batches its own fast way: the
 * embedded store through prepared statements
 * (src/store/sqlite/sqlite-batch-statements.ts), PostgreSQL through set-based
 * statements and precompiled multi-row inserts
 * (src/store/postgres/postgres-group-write.ts). Either must store exactly the
 * rows of the shared per-batch Kysely write; and on the embedded store the
 * in-memory stream-state cache must never change what is stored when another
 * writer moved a peer's streams on.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.ts';
import { createApp } from '../../src/store/apps.ts';
import { createMeeting } from '../../src/store/meetings.ts';
import { addParticipant } from '../../src/store/participants.ts';
import { closePeer, joinPeer } from '../../src/store/peer-lifecycle.ts';
import { BatchWriter, type SubmitOutcome } from '../../src/ingest/batch-writer.ts';
import { kyselyStore } from '../../src/store/kysely-store.ts';
import { sqliteAdapter } from '../../src/store/sqlite/sqlite-adapter.ts';
import { postgresAdapter } from '../../src/store/postgres/postgres-adapter.ts';
import { writeBatch } from '../../src/store/telemetry-batch-write.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../support/postgres.ts';
import type { Store } from '../../src/store/store.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

const pgBase = process.env.TEST_DATABASE_URL;
const dirs: string[] = [];
const schemas: string[] = [];
after(async () => {
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  for (const schema of schemas) await dropPostgresSchema(pgBase!, schema);
});

/** A fresh database of the backend under test (on SQLite, `dir` may be another's, as a second process). */
async function freshStore(
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-batch-writes-')),
): Promise<OpenDatabase & { dir: string }> {
  dirs.push(dir);
  if (!pgBase) return { ...(await openDatabase({ dataDir: dir })), dir };
  const { url, schema } = await freshPostgresUrl(pgBase);
  schemas.push(schema);
  return { ...(await openDatabase({ databaseUrl: url })), dir };
}

/** A participant with `n` peers joined at `joinedAt`. */
async function peersIn(store: OpenDatabase, n: number, joinedAt: number) {
  const app = await createApp(store.db, 'acct', 'app');
  const meeting = await createMeeting(store.db, { accountId: 'acct', appId: app.id, config: {} });
  const { participant } = await addParticipant(store.db, {
    accountId: 'acct',
    appId: app.id,
    meetingId: meeting.id,
    customParticipantId: 'u1',
    presetName: 'host',
  });
  const peers = [];
  for (let i = 0; i < n; i++)
    peers.push(
      await store.db.transaction().execute((tx) =>
        joinPeer(tx, store.dialect, participant, {
          client: '{}',
          ip_info: null,
          precall: null,
          source: 'live',
          joinedAt,
        }),
      ),
    );
  return { participant, peers };
}

/** The telemetry tables as stored, peer ids replaced by their position and write-time columns left out. */
async function dump(store: OpenDatabase, peerIds: string[]): Promise<Record<string, unknown[]>> {
  const index = (id: unknown) => peerIds.indexOf(String(id));
  const out: Record<string, unknown[]> = {};
  const tables = {
    peer_batches: ['peer_id', 'batch_id'],
    peer_events: ['id', 'peer_id', 'ts', 'name', 'pc', 'metadata'],
    device_updates: ['id', 'peer_id', 'ts', 'kind', 'payload'],
    pc_metadata: ['id', 'peer_id', 'pc', 'ts', 'payload'],
    candidate_pairs: ['peer_id', 'pc', 'pair_id', 'ts', 'selected', 'roles', 'payload'],
    stream_state: ['peer_id', 'stream_key', 'series', 'last_ts', 'last_sample'],
    quality_chunks: [
      'id',
      'peer_id',
      'series',
      'stream_key',
      'first_ts',
      'last_ts',
      'n',
      'rows_json',
      'metrics',
      'first_sample',
      'last_sample',
    ],
    peers: ['id', 'status', 'client', 'precall', 'leave_reason'],
  } as const;
  for (const [table, columns] of Object.entries(tables)) {
    const rows = (await store.db
      .selectFrom(table as 'peers')
      .select(columns as unknown as 'id'[])
      .execute()) as Record<string, unknown>[];
    out[table] = rows
      .map((r) => ({
        ...r,
        ...('peer_id' in r ? { peer_id: index(r.peer_id) } : {}),
        ...(table === 'peers' ? { id: index(r.id) } : {}),
      }))
      .map((r) =>
        JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v)),
      )
      .sort();
  }
  return out;
}

const T0 = 1_700_000_000_000;
const call = (seed: number, prefix: string): TelemetryBatch[] => [
  ...syntheticBatches({
    profile: CALL_PROFILES['congested-4g'],
    startMs: T0,
    minutes: 2,
    batchSeconds: 10,
    seed,
    batchIdPrefix: prefix,
  }),
];

/**
 * A store over `database`: the backend's own group write (prepared statements, set-based statements), or, with
 * `fast` false, one whose group write is the shared per-batch Kysely path, batch after batch.
 */
function storeOf(database: OpenDatabase, fast = true): Store {
  const adapter = pgBase ? postgresAdapter(database.pool!) : sqliteAdapter(database.sqlite!);
  return kyselyStore({
    db: database.db,
    location: database.location,
    destroy: async () => {},
    adapter: fast
      ? adapter
      : {
          ...adapter,
          writeTelemetryGroup: (db, jobs, rules) =>
            db.transaction().execute(async (tx) => {
              const out = [];
              for (const job of jobs)
                out.push(await writeBatch(tx, adapter.lockRowsForUpdate, job, rules));
              return out;
            }),
        },
  });
}

test("the backend's group write and the per-batch Kysely write store the same rows: retries, stale samples, late and refused batches", async () => {
  const results: { outcomes: SubmitOutcome['status'][]; tables: Record<string, unknown[]> }[] = [];
  for (const fast of [true, false]) {
    const store = await freshStore();
    const writer = new BatchWriter(storeOf(store, fast));
    const { participant, peers } = await peersIn(store, 3, T0);
    const [a, b, c] = peers.map((p) => p.peerId);
    const outcomes: SubmitOutcome['status'][] = [];
    const send = async (peerId: string, batch: TelemetryBatch) =>
      outcomes.push((await writer.submit(peerId, participant.id, JSON.stringify(batch))).status);
    const callA = call(1, 'batch-of-a-');
    const callB = call(2, 'batch-of-b-');
    for (const batch of callA) await send(a, batch);
    await send(a, callA[3]); // a retry: duplicate
    await send(a, { ...callA[2], batch_id: 'batch-of-a-again' }); // samples already stored: skipped
    for (const batch of [...callB.slice(0, 2), callB[3], callB[2], ...callB.slice(4, 6)])
      await send(b, batch); // one late batch, placed in its gap
    // b leaves; a batch right after its leave still lands, c timed out and is refused.
    await store.db
      .transaction()
      .execute((tx) => closePeer(tx, store.dialect, b, Date.now(), 'left'));
    await send(b, callB[6]);
    await store.db
      .transaction()
      .execute((tx) => closePeer(tx, store.dialect, c, Date.now(), 'timeout'));
    await send(c, call(3, 'batch-of-c-')[0]);
    await writer.close();
    results.push({ outcomes, tables: await dump(store, [a, b, c]) });
    await store.close();
  }
  const [viaStatements, viaKysely] = results; // the backend's own write, the per-batch one
  assert.deepEqual(viaStatements.outcomes, viaKysely.outcomes);
  assert.equal(viaStatements.outcomes.filter((o) => o === 'duplicate').length, 1);
  assert.equal(viaStatements.outcomes.at(-1), 'peer_closed');
  assert.equal(
    viaStatements.outcomes.at(-2),
    'stored',
    'a batch just after an explicit leave is kept',
  );
  assert.ok(
    viaStatements.tables.quality_chunks.length > 40,
    'viaStatements.tables.quality_chunks.length > 40',
  );
  for (const table of Object.keys(viaKysely.tables))
    assert.deepEqual(viaStatements.tables[table], viaKysely.tables[table], table);
});

test(
  'a writer whose cached stream states went stale (another writer moved the peer on) stores what one writer would',
  {
    skip: pgBase
      ? 'embedded store only (PostgreSQL reads the states fresh, and its processes are the multi-process suites)'
      : false,
  },
  async () => {
    const batches = call(5, 'batch-of-p-');
    // Reference: one writer sends the whole call.
    const reference = await freshStore();
    const one = new BatchWriter(storeOf(reference));
    const ref = await peersIn(reference, 1, T0);
    for (const batch of batches)
      await one.submit(ref.peers[0].peerId, ref.participant.id, JSON.stringify(batch));
    await one.close();
    const expected = await dump(reference, [ref.peers[0].peerId]);
    await reference.close();

    // Two connections to one file (as two server processes), taking the batches in turn.
    const first = await freshStore();
    const second = await freshStore(first.dir);
    const writers = [first, second].map((s) => new BatchWriter(storeOf(s)));
    const { participant, peers } = await peersIn(first, 1, T0);
    for (const [i, batch] of batches.entries()) {
      const outcome = await writers[i % 2].submit(
        peers[0].peerId,
        participant.id,
        JSON.stringify(batch),
      );
      assert.equal(outcome.status, 'stored');
    }
    await Promise.all(writers.map((w) => w.close()));
    assert.deepEqual(await dump(first, [peers[0].peerId]), expected);
    await second.close();
    await first.close();
  },
);

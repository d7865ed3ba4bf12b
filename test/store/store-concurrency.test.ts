/**
 * The store contract, writes and concurrency: the telemetry write verb (the one live ingest and imports share),
 * its outcomes, and two stores on one database (two server processes) racing on the same peer and key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { openFixture, participantIn, liveJoin, type StoreFixture } from './store-fixture.ts';
import { batchRules } from '../../src/ingest/batch-rules.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import type { Store } from '../../src/store/store.ts';
import type { TelemetryBatch } from '../../src/model/telemetry.ts';

let f: StoreFixture;
before(async () => {
  f = await openFixture();
});
after(() => f.close());

const T0 = Date.now() - 120_000;
const call = (prefix: string): TelemetryBatch[] => [
  ...syntheticBatches({
    profile: CALL_PROFILES['lossy-wifi'],
    startMs: T0,
    minutes: 1,
    batchSeconds: 10,
    seed: 3,
    batchIdPrefix: prefix,
  }),
];

/**
 * Runs `work` for each store at once on PostgreSQL. On SQLite in one process, one after the other: two
 * connections of one thread cannot both be inside an asynchronous transaction (the second's busy wait blocks
 * the thread the first needs to commit), so the race is the one the write lock serialises anyway; the
 * cross-process races run in test/storage/multi-process.test.ts.
 */
async function race<T>(stores: Store[], work: (s: Store) => Promise<T>): Promise<T[]> {
  if (f.store.name === 'postgres') return Promise.all(stores.map(work));
  const out: T[] = [];
  for (const s of stores) out.push(await work(s));
  return out;
}

const write = (store: Store, peerId: string, participantId: string, batch: TelemetryBatch) =>
  store.telemetry
    .writeGroup([{ peerId, participantId, batch, receivedAt: Date.now() }], batchRules)
    .then(([outcome]) => outcome);

test('a batch is stored once: a retry is a duplicate, its samples are not counted twice', async () => {
  const participant = await participantIn(f.store);
  const peer = await f.store.peers.join(participant, liveJoin(T0));
  const [first] = call('b-');
  const stored = await write(f.store, peer.peerId, participant.id, first);
  assert.equal(stored.status, 'stored');
  assert.ok(stored.status === 'stored' && stored.samples > 0, 'samples stored');
  assert.equal((await write(f.store, peer.peerId, participant.id, first)).status, 'duplicate');
  const states = await f.store.telemetry.streamStates(peer.peerId);
  assert.ok(states.length > 0, 'the stream states moved on');
  assert.deepEqual(await f.store.telemetry.streamStates(peer.peerId, []), [], 'no keys, no states');
});

test('the stream states of several peers in one read equal each peer read alone', async () => {
  const participant = await participantIn(f.store);
  const a = await f.store.peers.join(participant, liveJoin(T0));
  const b = await f.store.peers.join(participant, liveJoin(T0));
  const quiet = await f.store.peers.join(participant, liveJoin(T0));
  const [first, second] = call('m-');
  await write(f.store, a.peerId, participant.id, first);
  await write(f.store, b.peerId, participant.id, first);
  await write(f.store, b.peerId, participant.id, second);
  const byStream = (states: { stream_key: string }[]) =>
    [...states].sort((x, y) => x.stream_key.localeCompare(y.stream_key));
  const read = await f.store.telemetry.streamStatesOfPeers([
    a.peerId,
    b.peerId,
    quiet.peerId,
    randomUUID(),
  ]);
  assert.deepEqual([...read.keys()].sort(), [a.peerId, b.peerId].sort(), 'only peers with states');
  for (const peer of [a, b])
    assert.deepEqual(
      byStream(read.get(peer.peerId)!),
      byStream(await f.store.telemetry.streamStates(peer.peerId)),
    );
  assert.notDeepEqual(read.get(a.peerId), read.get(b.peerId), 'each peer its own states');
  assert.equal((await f.store.telemetry.streamStatesOfPeers([])).size, 0);
});

test('a batch for an unknown peer, another participant or a timed-out peer is refused', async () => {
  const participant = await participantIn(f.store);
  const other = await participantIn(f.store, 'u2');
  const peer = await f.store.peers.join(participant, liveJoin(T0));
  const [batch] = call('r-');
  assert.equal((await write(f.store, randomUUID(), participant.id, batch)).status, 'unknown_peer');
  assert.equal((await write(f.store, peer.peerId, other.id, batch)).status, 'unknown_peer');
  await f.store.peers.leave(peer.peerId, participant.id, Date.now(), 'timeout');
  assert.equal((await write(f.store, peer.peerId, participant.id, batch)).status, 'peer_closed');
});

test('a group keeps each batch its own outcome, in order', async () => {
  const participant = await participantIn(f.store);
  const a = await f.store.peers.join(participant, liveJoin(T0));
  const b = await f.store.peers.join(participant, liveJoin(T0));
  const [one, two] = call('g-');
  const jobs = [a, b, a]
    .map((p, i) => ({
      peerId: p.peerId,
      participantId: participant.id,
      batch: i === 2 ? one : i === 1 ? two : one,
      receivedAt: Date.now(),
    }))
    .sort((x, y) => (x.peerId < y.peerId ? -1 : x.peerId > y.peerId ? 1 : 0));
  const outcomes = await f.store.telemetry.writeGroup(jobs, batchRules);
  assert.equal(outcomes.length, 3);
  assert.deepEqual(
    outcomes.map((o) => o.status).sort(),
    ['duplicate', 'stored', 'stored'],
    'the same batch twice for one peer in a group: stored once',
  );
});

test('a unit of work writes telemetry through the same verb, all or nothing', async () => {
  const participant = await participantIn(f.store);
  const batches = call('u-');
  let peerId = '';
  await assert.rejects(
    f.store.unitOfWork(async (unit) => {
      const peer = await unit.peers.join(participant, liveJoin(T0));
      peerId = peer.peerId;
      const jobs = [{ peerId, participantId: participant.id, batch: batches[0], receivedAt: T0 }];
      const [outcome] = await unit.telemetry.writeGroup(jobs, batchRules);
      assert.equal(outcome.status, 'stored');
      throw new Error('abandoned');
    }),
    /abandoned/,
  );
  assert.equal(await f.store.reports.version('acct', participant.app_id, peerId), undefined);
  assert.deepEqual(await f.store.telemetry.streamStates(peerId), []);
});

test('two stores on one database: the same batch raced from both is stored once', async () => {
  const second = await f.openAnother();
  const participant = await participantIn(f.store);
  const peer = await f.store.peers.join(participant, liveJoin(T0));
  const batches = call('race-');
  for (const batch of batches) {
    const outcomes = await Promise.all(
      [f.store, second].map((s) => write(s, peer.peerId, participant.id, batch)),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status).sort(),
      ['duplicate', 'stored'],
      `batch ${batch.batch_id}: one store wins, the other sees a duplicate`,
    );
  }
  const viaFirst = await f.store.telemetry.streamStates(peer.peerId);
  assert.deepEqual(await second.telemetry.streamStates(peer.peerId), viaFirst);
});

test('two stores on one database: concurrent leaves close a peer once', async () => {
  const second = await f.openAnother();
  const participant = await participantIn(f.store);
  const peer = await f.store.peers.join(participant, liveJoin());
  const closed = await race([f.store, second], (s) =>
    s.peers.leave(peer.peerId, participant.id, Date.now(), 'left'),
  );
  assert.deepEqual(closed.sort(), [false, true], 'exactly one leave closed it');
});

test('two stores on one database: racing first signing keys leave one current key', async () => {
  const second = await f.openAnother();
  const key = (id: string) => ({ id, public_key: 'p', private_key: 'k', created_at: Date.now() });
  await race([f.store, second], (s) => s.webhooks.addFirstSigningKey(key(randomUUID())));
  const [one, two] = await Promise.all(
    [f.store, second].map((s) => s.webhooks.currentSigningKey()),
  );
  assert.ok(one, 'a key is current');
  assert.equal(one.id, two?.id, 'both stores see the same key');
});

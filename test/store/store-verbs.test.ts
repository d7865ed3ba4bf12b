/**
 * The store contract, verbs and failure modes: the same tests against both implementations (the embedded
 * store here, PostgreSQL in the PostgreSQL pass), through `openStore`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { openFixture, participantIn, liveJoin, type StoreFixture } from './store-fixture.ts';

let f: StoreFixture;
before(async () => {
  f = await openFixture();
});
after(() => f.close());

test('the store names its backend and where it is', () => {
  assert.equal(f.store.name, process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite');
  assert.ok(f.store.location.length > 0, 'a location to log');
  assert.ok(!f.store.location.includes('@'), 'no credentials in the location');
});

test('tokens: created, found by their secret, listed, revoked', async () => {
  const { id, token } = await f.store.tokens.create('acct', 'Realtime Admin', 'contract');
  const found = await f.store.tokens.find(token);
  assert.equal(found?.id, id);
  assert.equal(found?.accountId, 'acct');
  assert.equal(await f.store.tokens.find(`${token}x`), undefined, 'a wrong secret finds nothing');
  assert.ok(
    (await f.store.tokens.list('acct')).some((t) => t.id === id),
    'the token is listed in its account',
  );
  assert.ok((await f.store.tokens.revoke(id)) !== undefined, 'revoked');
  assert.equal(
    await f.store.tokens.find(token),
    undefined,
    'a revoked token no longer authenticates',
  );
  assert.equal(
    await f.store.tokens.revoke(randomUUID()),
    undefined,
    'an unknown id revokes nothing',
  );
});

test('apps, meetings and participants: created and found; unknown ids find nothing', async () => {
  const participant = await participantIn(f.store);
  const { token } = await f.store.participants.add({
    accountId: 'acct',
    appId: participant.app_id,
    meetingId: participant.meeting_id,
    customParticipantId: 'u3',
    presetName: 'host',
  });
  assert.ok(await f.store.apps.find('acct', participant.app_id), 'the app is found');
  assert.equal(
    await f.store.apps.find('other', participant.app_id),
    undefined,
    'not in another account',
  );
  assert.equal(await f.store.apps.find('acct', randomUUID()), undefined);
  assert.ok(
    await f.store.meetings.find('acct', participant.app_id, participant.meeting_id),
    'the meeting is found',
  );
  assert.equal(await f.store.meetings.find('acct', participant.app_id, randomUUID()), undefined);
  assert.equal((await f.store.participants.findByToken(token))?.custom_participant_id, 'u3');
  assert.equal(await f.store.participants.findByToken('no such token'), undefined);
});

test('peers: a join is live, a leave closes it once, an unknown or foreign peer is unknown', async () => {
  const participant = await participantIn(f.store);
  const other = await participantIn(f.store, 'u2');
  const live0 = await f.store.maintenance.countLivePeers();
  const peer = await f.store.peers.join(participant, liveJoin());
  assert.equal(peer.participantId, participant.id);
  assert.equal(await f.store.maintenance.countLivePeers(), live0 + 1);
  assert.equal(await f.store.peers.leave(peer.peerId, other.id, Date.now(), 'left'), 'unknown');
  assert.equal(
    await f.store.peers.leave(randomUUID(), participant.id, Date.now(), 'left'),
    'unknown',
  );
  assert.equal(await f.store.peers.leave(peer.peerId, participant.id, Date.now(), 'left'), true);
  assert.equal(
    await f.store.peers.leave(peer.peerId, participant.id, Date.now(), 'left'),
    false,
    'a second leave changes nothing',
  );
  assert.equal(await f.store.maintenance.countLivePeers(), live0);
});

test('reports: a peer loads with its version; an unknown peer or another app has none', async () => {
  const participant = await participantIn(f.store);
  const peer = await f.store.peers.join(participant, liveJoin());
  const version = await f.store.reports.version('acct', participant.app_id, peer.peerId);
  assert.equal(version?.live, true);
  const data = await f.store.reports.load('acct', participant.app_id, peer.peerId, new Set());
  assert.equal(data?.peer.id, peer.peerId);
  assert.equal(await f.store.reports.load('acct', randomUUID(), peer.peerId, new Set()), undefined);
  assert.equal(await f.store.reports.version('acct', participant.app_id, randomUUID()), undefined);
});

test('the webhook signing key: the first stored stays, a rotation replaces it', async () => {
  const key = (id: string) => ({
    id,
    public_key: 'pub',
    private_key: 'priv',
    created_at: Date.now(),
  });
  await f.store.webhooks.addFirstSigningKey(key('k1'));
  await f.store.webhooks.addFirstSigningKey(key('k2'));
  assert.equal((await f.store.webhooks.currentSigningKey())?.id, 'k1', 'the first key stays');
  await f.store.webhooks.rotateSigningKey(key('k3'));
  assert.equal((await f.store.webhooks.currentSigningKey())?.id, 'k3');
});

test('a unit of work is all or nothing', async () => {
  const app = await f.store.apps.create('acct', 'unit app');
  let meetingId = '';
  await assert.rejects(
    f.store.unitOfWork(async (unit) => {
      meetingId = (await unit.meetings.create({ accountId: 'acct', appId: app.id, config: {} })).id;
      throw new Error('abandoned');
    }),
    /abandoned/,
  );
  assert.ok(meetingId, 'the meeting was created inside the unit');
  assert.equal(
    await f.store.meetings.find('acct', app.id, meetingId),
    undefined,
    'and rolled back',
  );
});

test('a closed store refuses its verbs', async () => {
  const other = await f.openAnother();
  await other.close();
  await assert.rejects(other.apps.find('acct', randomUUID()), /closed/);
  await assert.rejects(other.maintenance.countLivePeers(), /closed/);
  await other.close(); // closing twice is harmless
});

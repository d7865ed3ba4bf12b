/**
 * A peer's identity times enclose its telemetry (issue 12, items 8 and 10): a
 * rejoined collector resends the samples it took while cut off, all older
 * than its new join, so `joined_at` must move back to them (and `duration`
 * with it); a leave dated before the last sample must not leave samples
 * after `left_at`; `PEER_CREATED` never comes after `PEER_JOINING`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { postJson } from '../support/post-json.ts';
import { sdk7 } from '../support/sdk.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000 });
});
after(() => t.close());

async function newParticipant(name: string): Promise<string> {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: name });
  const participant = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: name,
    preset_name: 'host',
    name,
  });
  return participant.token as string;
}

async function report(peerId: string): Promise<Record<string, any>> {
  const r = await sdk7(t.baseURL, t.readToken).realtimeKit.sessions.getParticipantDataFromPeerID(
    peerId,
    { account_id: t.accountId, app_id: t.appId, include_peer_events: true },
  );
  return r.data!.participant as Record<string, any>;
}

/** Every per-sample timestamp of the report, in ms. */
function sampleTimes(p: Record<string, any>): number[] {
  const quality = p.peer_report.quality as Record<string, unknown>;
  return Object.entries(quality)
    .filter(([k, v]) => !k.endsWith('_cumulative') && Array.isArray(v))
    .flatMap(([, rows]) => (rows as { timestamp: string }[]).map((r) => Date.parse(r.timestamp)));
}

function assertEncloses(p: Record<string, any>): void {
  const times = sampleTimes(p);
  assert.ok(times.length > 0, 'times.length > 0');
  const joined = Date.parse(p.joined_at);
  const left = Date.parse(p.left_at);
  assert.ok(
    joined <= Math.min(...times),
    `joined_at ${p.joined_at} after the first sample ${new Date(Math.min(...times)).toISOString()}`,
  );
  assert.ok(
    left >= Math.max(...times),
    `left_at ${p.left_at} before the last sample ${new Date(Math.max(...times)).toISOString()}`,
  );
  assert.ok(
    Math.abs(p.duration - (left - joined) / 60_000) < 0.01,
    `duration ${p.duration} min for ${(left - joined) / 60_000} min`,
  );
  const events = p.peer_events as { event_name: string; created_at: string }[];
  const at = (name: string) => Date.parse(events.find((e) => e.event_name === name)!.created_at);
  assert.ok(at('PEER_CREATED') <= at('PEER_JOINING'), 'PEER_CREATED after PEER_JOINING');
  assert.ok(at('PEER_JOINING') <= at('PEER_LEAVING'), "at('PEER_JOINING') <= at('PEER_LEAVING')");
}

describe('identity times enclose the telemetry', () => {
  test('a rejoined peer that resends the samples taken while cut off: joined_at moves back to them', async () => {
    const token = await newParticipant('rejoined');
    const first = await postJson(`${t.url}/ingest/v1/join`, token, {});
    // What the collector does after a 409: join again, dated now, and resend its queued (older) batches.
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs: Date.now() - 60_000,
        minutes: 1,
        seed: 3,
        batchIdPrefix: randomUUID(),
      }),
    ];
    const second = await postJson(`${t.url}/ingest/v1/join`, token, {
      joined_at: Date.now(),
      previous_peer_id: first.peer_id,
    });
    for (const b of batches)
      await postJson(`${t.url}/ingest/v1/peers/${second.peer_id}/batches`, token, b);
    await postJson(`${t.url}/ingest/v1/peers/${second.peer_id}/leave`, token, {});
    const p = await report(second.peer_id);
    assertEncloses(p);
    assert.ok(p.duration > 0.9, `duration ${p.duration} min for a minute of samples`);
    // The session's start moved back with it.
    const session = await databaseOf(t.server.context.store)
      .db.selectFrom('sessions')
      .select(['started_at', 'minutes_consumed'])
      .where('id', '=', second.session_id)
      .executeTakeFirstOrThrow();
    assert.ok(
      Number(session.started_at) <= Date.parse(p.joined_at),
      'Number(session.started_at) <= Date.parse(p.joined_at)',
    );
  });

  test('a join dated back by the client: PEER_CREATED is not after PEER_JOINING', async () => {
    const token = await newParticipant('dated-join');
    const joined = await postJson(`${t.url}/ingest/v1/join`, token, {
      joined_at: Date.now() - 5_000,
    });
    const batches = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs: Date.now() - 4_000,
        minutes: 0.05,
        seed: 4,
        batchIdPrefix: randomUUID(),
      }),
    ];
    for (const b of batches)
      await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/batches`, token, b);
    await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/leave`, token, {});
    assertEncloses(await report(joined.peer_id));
  });

  test('a leave dated before the last sample, and a late batch after the leave: left_at moves forward to them', async () => {
    const token = await newParticipant('late-batch');
    const start = Date.now() - 30_000;
    const joined = await postJson(`${t.url}/ingest/v1/join`, token, { joined_at: start });
    const [b1, b2, b3] = [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs: start,
        minutes: 0.5,
        seed: 5,
        batchIdPrefix: randomUUID(),
      }),
    ];
    await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/batches`, token, b1);
    await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/batches`, token, b2);
    // The leave is dated before b3's samples, and b3 (sent on page hide) lands after the leave.
    await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/leave`, token, {
      ts: start + 22_000,
    });
    await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/batches`, token, b3);
    const p = await report(joined.peer_id);
    assertEncloses(p);
    const session = await databaseOf(t.server.context.store)
      .db.selectFrom('sessions')
      .select(['minutes_consumed'])
      .where('id', '=', joined.session_id)
      .executeTakeFirstOrThrow();
    assert.ok(
      Math.abs(Number(session.minutes_consumed) - p.duration) < 0.01,
      `session minutes ${session.minutes_consumed} against the peer's ${p.duration}`,
    );
  });
});

/**
 * RealtimeKit's `analytics.getOrgAnalytics` through both official SDK majors,
 * on the store TEST_DATABASE_URL selects: sessions per UTC day of their start
 * (zero-filled, ascending), minutes summed, recording stats present and zero,
 * the 30-day default range, other apps and accounts never counted, and 400 /
 * 404 for bad dates and unknown apps.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk6, sdk7 } from '../support/sdk.ts';
import { createApp } from '../../src/store/apps.ts';
import { runSimulation } from '../../src/simulate/simulate-run.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;

async function insertSession(
  accountId: string,
  appId: string,
  startedAt: string,
  minutes: number,
): Promise<void> {
  const start = Date.parse(startedAt);
  await databaseOf(t.server.context.store)
    .db.insertInto('sessions')
    .values({
      id: randomUUID(),
      account_id: accountId,
      app_id: appId,
      meeting_id: randomUUID(),
      status: 'ENDED',
      started_at: start,
      ended_at: start + minutes * 60_000,
      live_participants: 0,
      max_concurrent_participants: 2,
      minutes_consumed: minutes,
      created_at: start,
      updated_at: start,
    })
    .execute();
}

before(async () => {
  t = await startTestServer();
  // 2026-02-27 23:50 UTC spans midnight: counted on the day it started.
  await insertSession(t.accountId, t.appId, '2026-02-27T23:50:00Z', 40.5);
  await insertSession(t.accountId, t.appId, '2026-02-28T00:00:00Z', 10.25);
  await insertSession(t.accountId, t.appId, '2026-02-28T23:59:59.999Z', 5);
  await insertSession(t.accountId, t.appId, '2026-03-02T12:00:00+05:00', 1.125); // 07:00 UTC on the 2nd
  await insertSession(t.accountId, t.appId, '2026-03-03T00:00:00Z', 99); // after the range
  const otherApp = await createApp(databaseOf(t.server.context.store).db, t.accountId, 'other');
  await insertSession(t.accountId, otherApp.id, '2026-02-28T10:00:00Z', 7);
  await insertSession('acctsomeoneelse', t.appId, '2026-02-28T10:00:00Z', 7);
});
after(() => t.close());

const expected = {
  success: true,
  data: {
    session_stats: {
      sessions_count: 4,
      sessions_minutes_consumed: 56.88,
      day_stats: [
        { day: '2026-02-27', total_sessions: 1, total_session_minutes: 40.5 },
        { day: '2026-02-28', total_sessions: 2, total_session_minutes: 15.25 },
        { day: '2026-03-01', total_sessions: 0, total_session_minutes: 0 },
        { day: '2026-03-02', total_sessions: 1, total_session_minutes: 1.13 },
      ],
    },
    recording_stats: {
      recording_count: 0,
      recording_minutes_consumed: 0,
      day_stats: ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'].map((day) => ({
        day,
        total_recordings: 0,
        total_recording_minutes: 0,
      })),
    },
  },
};

test('getOrgAnalytics, SDK 7.x and 6.x: sessions per UTC day of their start, zero-filled; recordings zero', async () => {
  const params = { account_id: t.accountId, start_date: '2026-02-27', end_date: '2026-03-02' };
  assert.deepEqual(
    await sdk7(t.baseURL, t.token).realtimeKit.analytics.getOrgAnalytics(t.appId, params),
    expected,
  );
  assert.deepEqual(
    await sdk6(t.baseURL, t.token).realtimeKit.analytics.getOrgAnalytics(t.appId, params),
    expected,
  );
  // The read-only token reads it too; the livestreams duplicate hits the same URL.
  assert.deepEqual(
    await sdk7(t.baseURL, t.readToken).realtimeKit.livestreams.getOrgAnalytics(t.appId, params),
    expected,
  );
});

test('default range: 30 days ago to today, including a session just run', async () => {
  await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'clean',
    minutes: 1,
    peers: 1,
    seed: 3,
  });
  const res = (await sdk7(t.baseURL, t.token).realtimeKit.analytics.getOrgAnalytics(t.appId, {
    account_id: t.accountId,
  })) as any;
  const days = res.data.session_stats.day_stats;
  assert.equal(days.length, 31);
  assert.equal(days[30].day, new Date().toISOString().slice(0, 10));
  assert.equal(days[0].day, new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10));
  assert.equal(res.data.session_stats.sessions_count, 1);
  // Only an end date: the 30 days before it.
  const endOnly = (await sdk6(t.baseURL, t.token).realtimeKit.analytics.getOrgAnalytics(t.appId, {
    account_id: t.accountId,
    end_date: '2026-03-02',
  })) as any;
  assert.equal(endOnly.data.session_stats.day_stats[0].day, '2026-01-31');
  assert.equal(endOnly.data.session_stats.sessions_count, 4);
});

test('bad dates are 400 naming the parameter, an unknown app 404, on both SDK majors', async () => {
  for (const client of [sdk7(t.baseURL, t.token), sdk6(t.baseURL, t.token)]) {
    for (const [query, field] of [
      [{ start_date: '2026-13-01' }, 'start_date'],
      [{ start_date: '01/03/2026' }, 'start_date'],
      [{ end_date: '2026-02-29' }, 'end_date'],
      [{ start_date: '2026-03-02', end_date: '2026-03-01' }, 'end_date'],
    ] as const) {
      await assert.rejects(
        client.realtimeKit.analytics.getOrgAnalytics(t.appId, {
          account_id: t.accountId,
          ...query,
        }),
        (err: any) => {
          assert.equal(err.status, 400, JSON.stringify(query));
          assert.equal(
            err.errors?.[0]?.source?.pointer ?? err.error?.errors?.[0]?.source?.pointer,
            field,
          );
          return true;
        },
      );
    }
    await assert.rejects(
      client.realtimeKit.analytics.getOrgAnalytics(randomUUID(), { account_id: t.accountId }),
      (err: any) => err.status === 404,
    );
  }
});

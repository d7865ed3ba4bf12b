/**
 * The sessions resource and the meeting/participant reads, through both SDK
 * majors against a real server and database: from an app to a bad call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Cloudflare, Cloudflare6, sdk6, sdk7 } from '../support/sdk.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
let good: SimulatedPeer[];
let bad: SimulatedPeer[];
let live: SimulatedPeer[];
let emptyAppId: string;
let other: { id: string; token: string };

before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000 });
  good = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'clean',
    minutes: 3,
    peers: 2,
    seed: 1,
  });
  bad = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'congested-4g',
    minutes: 1,
    peers: 3,
    seed: 2,
  });
  live = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'lossy-wifi',
    minutes: 2,
    peers: 2,
    seed: 3,
    leave: false,
  });
  const cf = sdk7(t.baseURL, t.token);
  emptyAppId = (await cf.realtimeKit.apps.post({ account_id: t.accountId, name: 'empty' })).data!
    .app!.id!;
  other = { id: `other${randomUUID().slice(0, 6)}`, token: '' };
  other.token = (
    await createApiToken(databaseOf(t.server.context.store).db, other.id, 'Realtime Admin')
  ).token;
});
after(() => t.close());

describe('getSessions', () => {
  test('7.x lists the sessions with counts, minutes and the paging block', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const res = await cf.realtimeKit.sessions.getSessions(t.appId, { account_id: t.accountId });
    const sessions = res.data!.sessions!;
    assert.equal(sessions.length, 3);
    assert.deepEqual(res.paging, { start_offset: 1, end_offset: 3, total_count: 3 });
    const byId = new Map(sessions.map((s) => [s.id, s]));
    const g = byId.get(good[0].sessionId)!;
    assert.equal(g.status, 'ENDED');
    assert.equal(g.associated_id, good[0].meetingId);
    assert.equal(g.meeting_display_name, 'simulated clean call');
    assert.equal(g.max_concurrent_participants, 2);
    assert.equal(g.live_participants, 0);
    assert.ok(
      Math.abs(g.minutes_consumed - 6) < 0.1,
      `2 peers × 3 minutes, got ${g.minutes_consumed}`,
    );
    assert.ok(
      g.ended_at && Date.parse(g.ended_at) >= Date.parse(g.started_at),
      'g.ended_at && Date.parse(g.ended_at) >= Date.parse(g.started_at)',
    );
    const l = byId.get(live[0].sessionId)!;
    assert.equal(l.status, 'LIVE');
    assert.equal(l.live_participants, 2);
    assert.equal(l.ended_at, undefined);
    assert.ok(l.minutes_consumed >= 3.9, 'a live session counts its live peers up to now');
    // Newest first by default.
    assert.deepEqual(
      sessions.map((s) => s.id),
      [live[0].sessionId, bad[0].sessionId, good[0].sessionId],
    );
  });

  test('6.x: filters by status, meeting, search and time range; sorts by minutes', async () => {
    const cf = sdk6(t.baseURL, t.token);
    const ended = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      status: 'ENDED',
    });
    assert.deepEqual(
      new Set(ended.data!.sessions!.map((s) => s.id)),
      new Set([good[0].sessionId, bad[0].sessionId]),
    );
    const byMeeting = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      associated_id: bad[0].meetingId,
    });
    assert.deepEqual(
      byMeeting.data!.sessions!.map((s) => s.id),
      [bad[0].sessionId],
    );
    // A V1 meeting id (a room name) is not a UUID: an empty list, like an unknown UUID, through both SDKs.
    for (const associated_id of ['abcdef-ghijkl', 'room-1', randomUUID()]) {
      const none6 = await cf.realtimeKit.sessions.getSessions(t.appId, {
        account_id: t.accountId,
        associated_id,
      });
      assert.deepEqual(none6.data!.sessions, [], associated_id);
      assert.deepEqual(none6.paging, { start_offset: 0, end_offset: 0, total_count: 0 });
      const none7 = await sdk7(t.baseURL, t.token).realtimeKit.sessions.getSessions(t.appId, {
        account_id: t.accountId,
        associated_id,
      });
      assert.deepEqual(none7.data!.sessions, [], associated_id);
    }
    const byTitle = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      search: 'CONGESTED',
    });
    assert.deepEqual(
      byTitle.data!.sessions!.map((s) => s.id),
      [bad[0].sessionId],
    );
    const bySessionId = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      search: live[0].sessionId,
    });
    assert.deepEqual(
      bySessionId.data!.sessions!.map((s) => s.id),
      [live[0].sessionId],
    );
    const byMinutes = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      sort_by: 'minutesConsumed',
      sort_order: 'ASC',
      status: 'ENDED',
    });
    assert.deepEqual(
      byMinutes.data!.sessions!.map((s) => s.id),
      [bad[0].sessionId, good[0].sessionId],
    );
    // Time range boundaries are inclusive on started_at.
    const all = (await cf.realtimeKit.sessions.getSessions(t.appId, { account_id: t.accountId }))
      .data!.sessions!;
    const g = all.find((s) => s.id === good[0].sessionId)!;
    const exact = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      start_time: g.started_at,
      end_time: g.started_at,
    });
    assert.deepEqual(
      exact.data!.sessions!.map((s) => s.id),
      [good[0].sessionId],
    );
    const after1ms = new Date(Date.parse(g.started_at) + 1).toISOString();
    const none = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      start_time: after1ms,
      end_time: after1ms,
    });
    assert.deepEqual(none.data!.sessions, []);
    assert.deepEqual(none.paging, { start_offset: 0, end_offset: 0, total_count: 0 });
  });

  test('pagination: pages are disjoint and complete; last page and page past the end; empty app', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const ids: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await cf.realtimeKit.sessions.getSessions(t.appId, {
        account_id: t.accountId,
        per_page: 1,
        page_no: page,
      });
      assert.equal(res.data!.sessions!.length, 1);
      assert.deepEqual(res.paging, { start_offset: page, end_offset: page, total_count: 3 });
      ids.push(res.data!.sessions![0].id);
    }
    assert.equal(new Set(ids).size, 3);
    const last = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      per_page: 2,
      page_no: 2,
    });
    assert.equal(last.data!.sessions!.length, 1);
    assert.deepEqual(last.paging, { start_offset: 3, end_offset: 3, total_count: 3 });
    const past = await cf.realtimeKit.sessions.getSessions(t.appId, {
      account_id: t.accountId,
      per_page: 2,
      page_no: 5,
    });
    assert.deepEqual(past.data!.sessions, []);
    assert.equal(past.paging!.total_count, 3);
    const empty = await cf.realtimeKit.sessions.getSessions(emptyAppId, {
      account_id: t.accountId,
    });
    assert.deepEqual(empty.data!.sessions, []);
    assert.deepEqual(empty.paging, { start_offset: 0, end_offset: 0, total_count: 0 });
  });

  test('bad parameters are 400 naming the parameter', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ per_page: 101 }, /per_page/],
      [{ page_no: -1 }, /page_no/],
      [{ sort_by: 'name' }, /sort_by/],
      [{ sort_order: 'UP' }, /sort_order/],
      [{ status: 'DONE' }, /status/],
      [{ start_time: 'yesterday' }, /start_time/],
      [{ start_time: '2026-02-01T00:00:00Z', end_time: '2026-01-01T00:00:00Z' }, /end_time/],
    ];
    for (const [query, field] of cases) {
      const err = await cf.realtimeKit.sessions
        .getSessions(t.appId, { account_id: t.accountId, ...(query as object) })
        .catch((e: unknown) => e);
      assert.ok(err instanceof Cloudflare.BadRequestError, JSON.stringify(query));
      assert.match(String((err as Error).message), field);
    }
  });

  test("tenant isolation: another account's token gets 403, and its own account sees nothing of ours", async () => {
    await assert.rejects(
      sdk7(t.baseURL, other.token).realtimeKit.sessions.getSessions(t.appId, {
        account_id: t.accountId,
      }),
      Cloudflare.PermissionDeniedError,
    );
    await assert.rejects(
      sdk6(t.baseURL, other.token).realtimeKit.sessions.getSessions(t.appId, {
        account_id: t.accountId,
      }),
      Cloudflare6.PermissionDeniedError,
    );
    await assert.rejects(
      sdk7(t.baseURL, other.token).realtimeKit.sessions.getSessions(t.appId, {
        account_id: other.id,
      }),
      Cloudflare.NotFoundError,
    );
    await assert.rejects(
      sdk7(t.baseURL, other.token).realtimeKit.sessions.getSessionDetails(good[0].sessionId, {
        account_id: t.accountId,
        app_id: t.appId,
      }),
      Cloudflare.PermissionDeniedError,
    );
  });
});

describe('session details and participants', () => {
  test('getSessionDetails (7.x and 6.x); unknown and malformed ids', async () => {
    const s7 = await sdk7(t.baseURL, t.token).realtimeKit.sessions.getSessionDetails(
      bad[0].sessionId,
      { account_id: t.accountId, app_id: t.appId },
    );
    assert.equal(s7.data!.id, bad[0].sessionId);
    assert.equal(s7.data!.max_concurrent_participants, 3);
    const s6 = await sdk6(t.baseURL, t.token).realtimeKit.sessions.getSessionDetails(
      t.appId,
      bad[0].sessionId,
      { account_id: t.accountId },
    );
    assert.equal(s6.data!.id, bad[0].sessionId);
    await assert.rejects(
      sdk7(t.baseURL, t.token).realtimeKit.sessions.getSessionDetails(randomUUID(), {
        account_id: t.accountId,
        app_id: t.appId,
      }),
      Cloudflare.NotFoundError,
    );
    await assert.rejects(
      sdk7(t.baseURL, t.token).realtimeKit.sessions.getSessionDetails('nope', {
        account_id: t.accountId,
        app_id: t.appId,
      }),
      Cloudflare.BadRequestError,
    );
  });

  test('getSessionParticipants: peers with timing, search, sort, views, paging and peer events', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const res = await cf.realtimeKit.sessions.getSessionParticipants(bad[0].sessionId, {
      account_id: t.accountId,
      app_id: t.appId,
      include_peer_events: true,
    });
    const ps = res.data!.participants!;
    assert.deepEqual(new Set(ps.map((p) => p.id)), new Set(bad.map((b) => b.peerId)));
    for (const p of ps) {
      assert.ok(Math.abs(p.duration! - 1) < 0.05, 'Math.abs(p.duration! - 1) < 0.05');
      assert.deepEqual(
        p.peer_events!.map((e) => e.event_name),
        ['PEER_CREATED', 'PEER_JOINING', 'PEER_LEAVING'],
      );
    }
    const found = await cf.realtimeKit.sessions.getSessionParticipants(bad[0].sessionId, {
      account_id: t.accountId,
      app_id: t.appId,
      search: 'sim-user-2',
    });
    assert.equal(found.data!.participants!.length, 1);
    assert.equal(found.data!.participants![0].custom_participant_id, 'sim-user-2');
    const byName = await cf.realtimeKit.sessions.getSessionParticipants(bad[0].sessionId, {
      account_id: t.accountId,
      app_id: t.appId,
      search: 'simulated USER 3',
    });
    assert.equal(byName.data!.participants![0].display_name, 'Simulated user 3');
    const paged = await sdk6(t.baseURL, t.token).realtimeKit.sessions.getSessionParticipants(
      t.appId,
      bad[0].sessionId,
      { account_id: t.accountId, per_page: 2, page_no: 2, sort_by: 'joinedAt', sort_order: 'ASC' },
    );
    assert.equal(paged.data!.participants!.length, 1);
    const noEvents = await cf.realtimeKit.sessions.getSessionParticipants(bad[0].sessionId, {
      account_id: t.accountId,
      app_id: t.appId,
      view: 'consolidated',
      sort_by: 'duration',
      sort_order: 'DESC',
    });
    assert.equal(noEvents.data!.participants!.length, 3);
    assert.equal(noEvents.data!.participants![0].peer_events, undefined);
    await assert.rejects(
      cf.realtimeKit.sessions.getSessionParticipants(bad[0].sessionId, {
        account_id: t.accountId,
        app_id: t.appId,
        view: 'merged' as 'raw',
      }),
      Cloudflare.BadRequestError,
    );
  });

  test('consolidated view merges the peers of one participant (rejoin)', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const m = await cf.realtimeKit.meetings.create(t.appId, {
      account_id: t.accountId,
      title: 'rejoin',
    });
    const p = await cf.realtimeKit.meetings.addParticipant(m.data!.id, {
      account_id: t.accountId,
      app_id: t.appId,
      custom_participant_id: 'flaky',
      preset_name: 'host',
      name: 'Flaky',
    });
    const join = async () =>
      (await (
        await fetch(`${t.url}/ingest/v1/join`, {
          method: 'POST',
          headers: { authorization: `Bearer ${p.data!.token}`, 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { data: { peer_id: string; session_id: string } };
    const a = await join();
    const b = await join();
    const raw = await cf.realtimeKit.sessions.getSessionParticipants(a.data.session_id, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(raw.data!.participants!.length, 2);
    const merged = await cf.realtimeKit.sessions.getSessionParticipants(a.data.session_id, {
      account_id: t.accountId,
      app_id: t.appId,
      view: 'consolidated',
    });
    assert.equal(merged.data!.participants!.length, 1);
    assert.deepEqual((merged.data!.participants![0] as { peer_ids?: string[] }).peer_ids, [
      a.data.peer_id,
      b.data.peer_id,
    ]);
    const details = await cf.realtimeKit.sessions.getSessionDetails(a.data.session_id, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(
      details.data!.live_participants,
      1,
      'two peers of one participant are one live participant',
    );
  });

  test('getSessionParticipantDetails (7.x, and 6.x with filters)', async () => {
    const d7 = await sdk7(t.baseURL, t.token).realtimeKit.sessions.getSessionParticipantDetails(
      good[1].peerId,
      {
        account_id: t.accountId,
        app_id: t.appId,
        session_id: good[1].sessionId,
        include_peer_events: true,
      },
    );
    const p7 = d7.data!.participant! as Record<string, any>;
    assert.equal(p7.id, good[1].peerId);
    assert.equal(p7.peer_events.length, 3);
    const d6 = (await sdk6(t.baseURL, t.token).realtimeKit.sessions.getSessionParticipantDetails(
      t.appId,
      good[1].sessionId,
      good[1].peerId,
      { account_id: t.accountId, filters: 'quality_stats' },
    )) as any;
    assert.equal(d6.data.participant.peer_report.quality.audio_producer.length, 90);
    await assert.rejects(
      sdk7(t.baseURL, t.token).realtimeKit.sessions.getSessionParticipantDetails(good[1].peerId, {
        account_id: t.accountId,
        app_id: t.appId,
        session_id: bad[0].sessionId,
      }),
      Cloudflare.NotFoundError,
      'a peer of another session',
    );
  });

  test('chat, transcript and summary answer a clear 404', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const params = { account_id: t.accountId, app_id: t.appId };
    for (const call of [
      () => cf.realtimeKit.sessions.getSessionChat(good[0].sessionId, params),
      () => cf.realtimeKit.sessions.getSessionTranscripts(good[0].sessionId, params),
      () => cf.realtimeKit.sessions.getSessionSummary(good[0].sessionId, params),
      () => cf.realtimeKit.sessions.generateSummaryOfTranscripts(good[0].sessionId, params),
    ]) {
      const err = await call().catch((e: unknown) => e);
      assert.ok(err instanceof Cloudflare.NotFoundError, 'err instanceof Cloudflare.NotFoundError');
      assert.match(String((err as Error).message), /call quality only/);
    }
  });
});

describe('meetings and participants reads', () => {
  test('meetings.get, getMeetingByID, getMeetingParticipants, getMeetingParticipant (7.x and 6.x)', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const list = await cf.realtimeKit.meetings.get(t.appId, {
      account_id: t.accountId,
      per_page: 2,
    });
    assert.equal(list.data.length, 2);
    assert.ok(list.paging.total_count >= 3, 'list.paging.total_count >= 3');
    const searched = await cf.realtimeKit.meetings.get(t.appId, {
      account_id: t.accountId,
      search: 'congested',
    });
    assert.deepEqual(
      searched.data.map((m) => m.id),
      [bad[0].meetingId],
    );
    const m = await cf.realtimeKit.meetings.getMeetingByID(bad[0].meetingId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(m.data!.title, 'simulated congested-4g call');
    const parts = await cf.realtimeKit.meetings.getMeetingParticipants(bad[0].meetingId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(parts.data.length, 3);
    assert.equal(parts.paging.total_count, 3);
    assert.equal((parts.data[0] as { token?: string }).token, undefined, 'tokens are never listed');
    const one = await cf.realtimeKit.meetings.getMeetingParticipant(bad[0].participantId, {
      account_id: t.accountId,
      app_id: t.appId,
      meeting_id: bad[0].meetingId,
    });
    assert.equal(one.data.id, bad[0].participantId);
    const m6 = await sdk6(t.baseURL, t.token).realtimeKit.meetings.getMeetingById(
      t.appId,
      bad[0].meetingId,
      { account_id: t.accountId },
    );
    assert.equal(m6.data!.id, bad[0].meetingId);
    const parts6 = await sdk6(t.baseURL, t.token).realtimeKit.meetings.getMeetingParticipants(
      t.appId,
      bad[0].meetingId,
      { account_id: t.accountId },
    );
    assert.equal(parts6.data.length, 3);
    await assert.rejects(
      cf.realtimeKit.meetings.getMeetingByID(randomUUID(), {
        account_id: t.accountId,
        app_id: t.appId,
      }),
      Cloudflare.NotFoundError,
    );
  });

  test('refreshParticipantToken replaces the token; deleteMeetingParticipant stops telemetry and keeps past reports', async () => {
    const cf = sdk7(t.baseURL, t.token);
    const m = await cf.realtimeKit.meetings.create(t.appId, {
      account_id: t.accountId,
      title: 'tokens',
    });
    const p = await cf.realtimeKit.meetings.addParticipant(m.data!.id, {
      account_id: t.accountId,
      app_id: t.appId,
      custom_participant_id: 'tok',
      preset_name: 'host',
    });
    const join = (token: string) =>
      fetch(`${t.url}/ingest/v1/join`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    const j = (await (await join(p.data!.token)).json()) as { data: { peer_id: string } };
    const fresh = await cf.realtimeKit.meetings.refreshParticipantToken(p.data!.id, {
      account_id: t.accountId,
      app_id: t.appId,
      meeting_id: m.data!.id,
    });
    assert.notEqual(fresh.data.token, p.data!.token);
    assert.equal((await join(p.data!.token)).status, 401, 'the old token stopped working');
    assert.equal((await join(fresh.data.token)).status, 201);
    await cf.realtimeKit.meetings.deleteMeetingParticipant(p.data!.id, {
      account_id: t.accountId,
      app_id: t.appId,
      meeting_id: m.data!.id,
    });
    assert.equal((await join(fresh.data.token)).status, 401);
    await assert.rejects(
      cf.realtimeKit.meetings.getMeetingParticipant(p.data!.id, {
        account_id: t.accountId,
        app_id: t.appId,
        meeting_id: m.data!.id,
      }),
      Cloudflare.NotFoundError,
    );
    const report = await cf.realtimeKit.sessions.getParticipantDataFromPeerID(j.data.peer_id, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    assert.equal(report.data!.participant!.id, j.data.peer_id);
  });
});

/**
 * Every filter and sort of the sessions listing against an oracle: sessions of
 * two apps and another account, seeded in random time order with ties, then
 * each query's page and exact `total_count` compared with the same selection
 * made in JS. Also that the stored per-status and per-meeting counts
 * (migrations 034 and 056's triggers) follow a session's end, move and
 * deletion. Runs on both stores.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createApp } from '../../src/store/apps.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

interface Seeded {
  id: string;
  account_id: string;
  app_id: string;
  meeting_id: string;
  title: string;
  status: 'LIVE' | 'ENDED';
  started_at: number;
  created_at: number;
  minutes_consumed: number;
}

const T0 = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
let t: TestServer;
let seeded: Seeded[] = [];
let otherAppId: string;

/** A small deterministic generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

async function seed(
  accountId: string,
  appId: string,
  base: number,
  count: number,
  rand: () => number,
): Promise<void> {
  const titles = [
    'Weekly sync',
    'Board 100% review',
    'daily_standup',
    'Retro',
    'WEEKLY planning',
    'Support call',
  ];
  const meetings = titles.map((title, i) => ({ id: uuid(base + i), title }));
  for (const m of meetings) {
    await databaseOf(t.server.context.store)
      .db.insertInto('meetings')
      .values({
        id: m.id,
        account_id: accountId,
        app_id: appId,
        title: m.title,
        status: 'ACTIVE',
        config: '{}',
        created_at: T0,
        updated_at: T0,
      } as never)
      .execute();
  }
  const rows: Seeded[] = [];
  for (let i = 0; i < count; i++) {
    const m = meetings[Math.floor(rand() * meetings.length)];
    // Coarse times (3 h steps over 5 days) and minutes: many ties, so the id tie-break is exercised.
    const started = T0 + Math.floor(rand() * 40) * 180 * MIN;
    rows.push({
      id: uuid(base + 1000 + i),
      account_id: accountId,
      app_id: appId,
      meeting_id: m.id,
      title: m.title,
      status: rand() < 0.2 ? 'LIVE' : 'ENDED',
      started_at: started,
      // Created up to 10 h before (clock skew) or 20 h after it started (an import): the listing's range is
      // on `started_at`, its order on `created_at`, and no plan may assume they agree.
      created_at: started + (Math.floor(rand() * 4) - 1) * 600 * MIN,
      minutes_consumed: Math.floor(rand() * 8) * 5,
    });
  }
  for (const r of rows) {
    await databaseOf(t.server.context.store)
      .db.insertInto('sessions')
      .values({
        id: r.id,
        account_id: r.account_id,
        app_id: r.app_id,
        meeting_id: r.meeting_id,
        status: r.status,
        started_at: r.started_at,
        ended_at: r.status === 'ENDED' ? r.started_at + r.minutes_consumed * MIN : null,
        live_participants: 0,
        max_concurrent_participants: 2,
        minutes_consumed: r.minutes_consumed,
        created_at: r.created_at,
        updated_at: r.created_at,
      } as never)
      .execute();
  }
  seeded.push(...rows);
}

before(async () => {
  t = await startTestServer({ sweepIntervalMs: 3_600_000, peerTimeoutMs: 3_600_000 });
  otherAppId = (await createApp(databaseOf(t.server.context.store).db, t.accountId, 'other app'))
    .id;
  const other = await createApp(databaseOf(t.server.context.store).db, 'another-account', 'theirs');
  const rand = rng(7);
  await seed(t.accountId, t.appId, 0x10000, 140, rand);
  await seed(t.accountId, otherAppId, 0x20000, 40, rand);
  await seed('another-account', other.id, 0x30000, 40, rand);
});
after(() => t.close());

interface Query {
  page_no?: number;
  per_page?: number;
  sort_by?: 'createdAt' | 'minutesConsumed';
  sort_order?: 'ASC' | 'DESC';
  status?: 'LIVE' | 'ENDED';
  start_time?: number;
  end_time?: number;
  associated_id?: string;
  search?: string;
}

/** The expected page and total of `q`, computed from the seeded rows. */
function oracle(q: Query): { ids: string[]; total: number } {
  const term = q.search?.trim().toLowerCase();
  const matching = seeded.filter(
    (s) =>
      s.account_id === t.accountId &&
      s.app_id === t.appId &&
      (!q.status || s.status === q.status) &&
      (q.start_time === undefined || s.started_at >= q.start_time) &&
      (q.end_time === undefined || s.started_at <= q.end_time) &&
      (!q.associated_id || s.meeting_id === q.associated_id) &&
      (!term ||
        s.title.toLowerCase().includes(term) ||
        s.id === q.search!.trim() ||
        s.meeting_id === q.search!.trim()),
  );
  const key = q.sort_by === 'minutesConsumed' ? 'minutes_consumed' : 'created_at';
  const dir = q.sort_order === 'ASC' ? 1 : -1;
  matching.sort((a, b) => dir * (a[key] - b[key] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  const perPage = q.per_page ?? 20;
  const from = ((q.page_no ?? 1) - 1) * perPage;
  return { ids: matching.slice(from, from + perPage).map((s) => s.id), total: matching.length };
}

async function list(q: Query): Promise<{ ids: string[]; total: number }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q))
    params.set(k, k.endsWith('_time') ? new Date(v as number).toISOString() : String(v));
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions?${params}`,
    { headers: { authorization: `Bearer ${t.token}` } },
  );
  const body = (await res.json()) as {
    data: { sessions: { id: string }[] };
    paging: { total_count: number };
  };
  assert.equal(res.status, 200, JSON.stringify(body));
  return { ids: body.data.sessions.map((s) => s.id), total: body.paging.total_count };
}

function queries(): Query[] {
  const sorts: Query[] = [
    {},
    { sort_order: 'ASC' },
    { sort_by: 'minutesConsumed' },
    { sort_by: 'minutesConsumed', sort_order: 'ASC' },
  ];
  const filters: Query[] = [
    {},
    { status: 'LIVE' },
    { status: 'ENDED' },
    { start_time: T0 + 100 * MIN },
    { end_time: T0 + 200 * MIN },
    { start_time: T0 + 100 * MIN, end_time: T0 + 250 * MIN, status: 'ENDED' },
    // Ranges over several UTC days, starting and ending inside days and on their edges (stored per-day counts).
    { start_time: T0 + 30 * 60 * MIN + 7 },
    { end_time: T0 + 70 * 60 * MIN },
    { start_time: T0 + 26 * 60 * MIN, end_time: T0 + 99 * 60 * MIN, status: 'LIVE' },
    { start_time: T0 + DAY, end_time: T0 + 3 * DAY - 1 },
    { start_time: T0 + DAY, end_time: T0 + 3 * DAY, status: 'ENDED' },
    { start_time: T0 + DAY - 1, end_time: T0 + DAY },
    { start_time: T0 + 3 * DAY + 9 * 60 * MIN, end_time: T0 + 3 * DAY + 9 * 60 * MIN },
    { associated_id: uuid(0x10000 + 1) },
    { associated_id: uuid(0x20000 + 1) },
    { search: 'weekly' },
    // Most of the app's sessions: small pages are read by walking the sort order (src/store/sessions-query.ts).
    { search: 'e' },
    { search: 'e', start_time: T0 + DAY },
    { search: '100%' },
    { search: 'y_s' },
    { search: 'daily_' },
    { search: 'nothing like it' },
    { search: seeded.find((s) => s.app_id === t.appId)!.id },
    { search: uuid(0x10000 + 3) },
    { search: seeded.find((s) => s.app_id === otherAppId)!.id },
    { search: 'retro', status: 'LIVE' },
  ];
  const pages: Query[] = [{}, { page_no: 2, per_page: 7 }, { page_no: 30 }];
  return filters.flatMap((f) => sorts.flatMap((s) => pages.map((p) => ({ ...f, ...s, ...p }))));
}

describe('sessions listing', () => {
  test('every filter, sort and page answers the oracle’s rows and exact total', async () => {
    for (const q of queries()) assert.deepEqual(await list(q), oracle(q), JSON.stringify(q));
  });

  test('the stored totals follow a session that ends, moves, is deleted or is added', async () => {
    const db = databaseOf(t.server.context.store).db;
    const liveOne = seeded.find((s) => s.app_id === t.appId && s.status === 'LIVE')!;
    await db
      .updateTable('sessions')
      .set({ status: 'ENDED' } as never)
      .where('id', '=', liveOne.id)
      .execute();
    liveOne.status = 'ENDED';
    const gone = seeded.find(
      (s) => s.app_id === t.appId && s.status === 'ENDED' && s.id !== liveOne.id,
    )!;
    await db.deleteFrom('sessions').where('id', '=', gone.id).execute();
    seeded = seeded.filter((s) => s !== gone);
    // An update that changes no counted column leaves the counts alone.
    await db
      .updateTable('sessions')
      .set({ minutes_consumed: 999 } as never)
      .where('id', '=', liveOne.id)
      .execute();
    liveOne.minutes_consumed = 999;
    await seed(t.accountId, t.appId, 0x40000, 5, rng(11));
    // A session moved to another day.
    const moved = seeded.find(
      (s) => s.app_id === t.appId && s.status === 'ENDED' && s.id !== liveOne.id,
    )!;
    await db
      .updateTable('sessions')
      .set({ started_at: moved.started_at + 2 * DAY } as never)
      .where('id', '=', moved.id)
      .execute();
    moved.started_at += 2 * DAY;
    // A session moved to another meeting (the per-meeting counts of migration 056).
    const rehomed = seeded.find(
      (s) => s.app_id === t.appId && s.title === 'Retro' && s.id !== liveOne.id,
    )!;
    const support = seeded.find((s) => s.app_id === t.appId && s.title === 'Support call')!;
    await db
      .updateTable('sessions')
      .set({ meeting_id: support.meeting_id } as never)
      .where('id', '=', rehomed.id)
      .execute();
    rehomed.meeting_id = support.meeting_id;
    rehomed.title = support.title;
    const ranges: Query[] = [
      { start_time: T0 + DAY },
      { end_time: T0 + 2 * DAY - 1, status: 'ENDED' },
      { start_time: T0 + 2 * DAY, end_time: T0 + 9 * DAY },
    ];
    for (const q of [
      {},
      { status: 'LIVE' },
      { status: 'ENDED' },
      { sort_by: 'minutesConsumed' },
      ...ranges,
      { search: 'retro' },
      { search: 'support', status: 'ENDED' },
      { search: 'support', page_no: 2, per_page: 7 },
      { associated_id: support.meeting_id },
      { search: liveOne.id },
    ] as Query[])
      assert.deepEqual(await list(q), oracle(q), JSON.stringify(q));
    const { rows } = await sql<{
      n: string | number;
    }>`select sum(n) as n from session_counts`.execute(db);
    assert.equal(Number(rows[0].n), seeded.length, 'every tenant’s count equals its rows');
    const byMeeting = await db
      .selectFrom('meeting_session_counts')
      .select(['meeting_id', 'status', 'n'])
      .execute();
    for (const c of byMeeting)
      assert.equal(
        Number(c.n),
        seeded.filter((s) => s.meeting_id === c.meeting_id && s.status === c.status).length,
        `sessions of meeting ${c.meeting_id}, ${c.status}`,
      );
  });
});

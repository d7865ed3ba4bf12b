/**
 * Week and dimension-pair rollup cells (migration 045), on the store
 * TEST_DATABASE_URL selects: over a 40-day range (whole ISO weeks read from
 * week cells, the edge days from day buckets), every `group_by` with and
 * without a filter on another dimension, two filters, and filters on the
 * grouped dimension itself equal a direct computation over the same seeded
 * peers; peers that span midnight (also Sunday to Monday, across a week
 * boundary) count on the UTC day and week they finished; every stored cell
 * equals the sum of its peers' current rollups, also after a rollup is
 * replaced (late telemetry) by one on another day, week and browser.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { seededRandom } from '../../src/simulate/seeded-random.ts';
import {
  directDay,
  directFigures,
  directGroup,
  seedPeer,
  type DirectFigures,
  type SeedPeer,
} from '../support/rollup-seed.ts';
import { addPeer, emptyBucket, parseBucket } from '../../src/rollup/bucket-data.ts';
import { cellKeysOf, rangePeriods, weekOf } from '../../src/rollup/rollup-cells.ts';
import { storePeerRollup } from '../../src/store/quality-rollups.ts';
import { numericRollup } from '../../src/store/rollup-rows.ts';
import type { PeerRollupsTable } from '../../src/store/rollup-schema.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
const seeded: DirectFigures[] = [];
const FROM = '2026-02-19'; // a Thursday
const TO = '2026-03-30'; // a Monday: five whole weeks inside, edge days at both ends
const RANGE = `start_date=${FROM}&end_date=${TO}`;
const BROWSERS = ['Chrome', 'Firefox', 'Safari', undefined];
const OSES = ['Windows', 'macOS', 'Android'];
const COUNTRIES = ['DE', 'US', 'IN'];
const ASNS = ['AS3320', 'AS7922', 'AS9829', 'AS1299', undefined];
const RELAYS = [undefined, undefined, 'udp', 'tcp'] as const;

function makePeer(rnd: () => number, leftAt: number, minutes: number): SeedPeer {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const quality = rnd();
  const n = 3 + Math.floor(rnd() * 5);
  const series = (base: number, spread: number, min = 0) =>
    Array.from({ length: n }, () => Math.max(min, base + (rnd() - 0.5) * spread));
  return {
    id: randomUUID(),
    accountId: t.accountId,
    appId: t.appId,
    joinedAt: leftAt - minutes * 60_000,
    leftAt,
    browser: pick(BROWSERS),
    os: pick(OSES),
    country: pick(COUNTRIES),
    asn: pick(ASNS),
    relay: pick(RELAYS),
    audioMos: series(1.5 + quality * 3.2, 0.6, 1).map((v) => Math.min(4.6, v)),
    videoMos: rnd() < 0.7 ? series(1.3 + quality * 3.4, 0.8, 1).map((v) => Math.min(4.8, v)) : [],
    loss: series((1 - quality) * 12, 6),
    rtt: series(30 + (1 - quality) * 500, 100, 1),
    jitter: series(2 + (1 - quality) * 40, 10),
  };
}

async function seed(p: SeedPeer): Promise<void> {
  await seedPeer(databaseOf(t.server.context.store).db, t.server.context.store.name, p);
  seeded.push(directFigures(p));
}

before(async () => {
  t = await startTestServer({ compactAfterMs: 3_600_000, peerTimeoutMs: 600_000 });
  const rnd = seededRandom(4515);
  const start = Date.parse('2026-02-18T00:00:00Z'); // one day before the range
  for (let i = 0; i < 220; i++) {
    // 2026-02-18 .. 2026-03-31 (one day outside the range at each end), at whole 6 s.
    const leftAt = start + Math.floor(rnd() * 42 * 14_400) * 6000;
    await seed(makePeer(rnd, leftAt, 1 + Math.floor(rnd() * 300) / 10));
  }
  // Spanning midnight: Sunday 23:50 to Monday 00:20 (a new ISO week), and a Wednesday night.
  for (const [joined, left] of [
    ['2026-03-01T23:50:00Z', '2026-03-02T00:20:00Z'],
    ['2026-03-04T23:30:00Z', '2026-03-05T00:10:00Z'],
  ])
    await seed(makePeer(rnd, Date.parse(left), (Date.parse(left) - Date.parse(joined)) / 60000));
});
after(() => t.close());

const kit = () => `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${t.token}` } });
  return { status: res.status, body: await res.json() };
}
const inRange = () => seeded.filter((p) => p.day >= FROM && p.day <= TO);
type Dim = 'hour' | 'browser' | 'os' | 'country' | 'asn' | 'network';
const DIMS: Dim[] = ['hour', 'browser', 'os', 'country', 'asn', 'network'];

/** The answer of `query` equals the direct computation over `match` grouped by `groupBy`. */
async function assertAnswer(query: string, match: DirectFigures[], groupBy: 'day' | Dim) {
  const { status, body } = await getJson(
    `${kit()}/analytics/quality?${RANGE}&group_by=${groupBy}&limit=1000&${query}`,
  );
  assert.equal(status, 200, `${query} ${JSON.stringify(body).slice(0, 200)}`);
  const expected = new Map<string, DirectFigures[]>();
  const keyOf = (p: DirectFigures) =>
    groupBy === 'day' ? p.day : groupBy === 'hour' ? `${p.day}T${p.hour}` : p[groupBy];
  for (const p of match) expected.set(keyOf(p), [...(expected.get(keyOf(p)) ?? []), p]);
  const got = new Map<string, any>(
    body.data.groups.filter((g: any) => g.peers > 0).map((g: any) => [g.key, g]),
  );
  assert.deepEqual(
    [...got.keys()].sort(),
    [...expected.keys()].sort(),
    `${query} group_by=${groupBy}: groups`,
  );
  for (const [key, peers] of expected)
    assert.deepEqual(got.get(key), { key, ...directGroup(peers) }, `${query} ${groupBy} ${key}`);
  assert.deepEqual(body.data.overall, directGroup(match), `${query} ${groupBy}: overall`);
  assert.equal(body.data.groups_total, groupBy === 'day' ? body.data.groups.length : expected.size);
}

describe('week and pair rollup cells', () => {
  test('the range is read as whole ISO weeks plus edge days; midnight-spanning peers count on their finishing day and week', () => {
    assert.deepEqual(rangePeriods(FROM, TO).weeks, [
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
    ]);
    assert.deepEqual(rangePeriods(FROM, TO).days, [
      '2026-02-19',
      '2026-02-20',
      '2026-02-21',
      '2026-02-22',
      '2026-03-30',
    ]);
    const sundayNight = seeded.find((p) => p.peer.leftAt === Date.parse('2026-03-02T00:20:00Z'));
    assert.ok(sundayNight, 'the Sunday-to-Monday peer is seeded');
    assert.equal(sundayNight.day, '2026-03-02');
    assert.equal(weekOf(sundayNight.day), '2026-03-02', 'the week of the Monday it finished');
    assert.ok(
      seeded.some((p) => p.day < FROM) && seeded.some((p) => p.day > TO),
      'peers just outside the range exist (and must not count)',
    );
  });

  test('every group_by without filters equals the direct computation', async () => {
    for (const dim of ['day', ...DIMS] as const) await assertAnswer('', inRange(), dim);
  });

  test('a filter on one dimension, grouped by every other (pair cells, both stored orders)', async () => {
    const filters: [Dim, string[]][] = [
      ['browser', ['Safari']],
      ['asn', ['AS3320', 'unknown']],
      ['network', ['relay-tcp']],
      ['hour', ['00', '13', '23']],
      ['os', ['Windows', 'Android']],
    ];
    for (const [dim, values] of filters) {
      const match = inRange().filter((p) => values.includes(p[dim]));
      assert.ok(match.length > 0, `peers match ${dim}`);
      for (const groupBy of ['day', ...DIMS] as const)
        await assertAnswer(`${dim}=${values.join(',')}`, match, groupBy);
    }
  });

  test('two filters (grouped by day or by one of them), and three dimensions (per-peer rows)', async () => {
    const match = inRange().filter(
      (p) => (p.browser === 'Chrome' || p.browser === 'Firefox') && p.country === 'DE',
    );
    assert.ok(match.length > 0, 'peers match both filters');
    for (const groupBy of ['day', 'browser', 'country', 'asn', 'hour'] as const)
      await assertAnswer('browser=Chrome,Firefox&country=DE', match, groupBy);
  });

  test('three dimensions with daily=true and a limit: per-peer rows give each answered group its days, the overall every group', async () => {
    const match = inRange().filter((p) => p.os === 'macOS' && p.browser !== 'Safari');
    assert.ok(match.length > 0, 'peers match both filters');
    const browsers = [...new Set(inRange().map((p) => p.browser))].filter((b) => b !== 'Safari');
    const { body } = await getJson(
      `${kit()}/analytics/quality?${RANGE}&group_by=country&os=macOS&browser=${browsers.join(',')}&daily=true&limit=2`,
    );
    const countries = new Set(match.map((p) => p.country));
    assert.ok(countries.size > 2, `more countries than the limit: ${countries.size}`);
    assert.equal(body.data.groups_total, countries.size);
    const count = (c: string) => match.filter((p) => p.country === c).length;
    const largest = [...countries]
      .sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1))
      .slice(0, 2);
    assert.deepEqual(
      body.data.groups.map((g: any) => g.key),
      largest,
      'the two largest groups',
    );
    assert.deepEqual(body.data.overall, directGroup(match));
    for (const g of body.data.groups) {
      const inGroup = match.filter((p) => p.country === g.key);
      const { daily, ...figures } = g;
      assert.deepEqual(figures, { key: g.key, ...directGroup(inGroup) }, `group ${g.key}`);
      assert.equal(daily.length, 40);
      for (const d of daily) {
        const ofDay = inGroup.filter((p) => p.day === d.day);
        assert.deepEqual(d, directDay(d.day, ofDay), `${g.key} on ${d.day}`);
      }
    }
  });

  test('daily=true and the group limit over weeks: sparklines by day, overall over every group', async () => {
    const match = inRange().filter((p) => p.os === 'macOS');
    const { body } = await getJson(
      `${kit()}/analytics/quality?${RANGE}&group_by=asn&os=macOS&limit=2&daily=true`,
    );
    assert.equal(body.data.groups.length, 2);
    assert.equal(body.data.groups_total, new Set(match.map((p) => p.asn)).size);
    assert.deepEqual(body.data.overall, directGroup(match));
    for (const g of body.data.groups) {
      assert.equal(g.daily.length, 40);
      assert.equal(
        g.daily.reduce((n: number, d: any) => n + d.peers, 0),
        match.filter((p) => p.asn === g.key).length,
        `daily peers of ${g.key}`,
      );
    }
  });

  test('every stored cell equals the sum of its peers; a replaced rollup moves between days, weeks and values', async () => {
    const { db, dialect } = databaseOf(t.server.context.store);
    // Late telemetry: a peer's rollup is recomputed with another finishing day (another week) and browser.
    const moved = inRange().find((p) => p.day === '2026-03-10' || p.day === '2026-03-11')!;
    assert.ok(moved, 'a peer to move');
    const row = numericRollup(
      (await db
        .selectFrom('peer_rollups')
        .selectAll()
        .where('peer_id', '=', moved.peer.id)
        .executeTakeFirstOrThrow()) as PeerRollupsTable,
    );
    const leftAt = Date.parse('2026-03-24T10:00:00Z');
    const next = {
      ...row,
      finished_at: leftAt,
      day: '2026-03-24',
      hour: '10',
      browser: 'Edge',
      verdict: 'bad' as const,
      audio_mos: 1.2,
    };
    await db.transaction().execute((tx) => storePeerRollup(tx, dialect, next, 2, Date.now()));
    const rollups = (
      (await db
        .selectFrom('peer_rollups')
        .selectAll()
        .where('app_id', '=', t.appId)
        .execute()) as PeerRollupsTable[]
    ).map(numericRollup);
    const cells = await db
      .selectFrom('rollup_cells')
      .selectAll()
      .where('app_id', '=', t.appId)
      .execute();
    const expected = new Map<
      string,
      { peers: number; minutes: number; data: ReturnType<typeof emptyBucket> }
    >();
    for (const r of rollups)
      for (const k of cellKeysOf(r)) {
        const id = [k.grain, k.period, k.a_dim, k.a_value, k.b_dim, k.b_value].join('/');
        let e = expected.get(id);
        if (!e) expected.set(id, (e = { peers: 0, minutes: 0, data: emptyBucket() }));
        e.peers++;
        e.minutes += r.minutes;
        addPeer(e.data, r);
      }
    let nonEmpty = 0;
    for (const c of cells) {
      const id = [c.grain, c.period, c.a_dim, c.a_value, c.b_dim, c.b_value].join('/');
      const e = expected.get(id) ?? { peers: 0, minutes: 0, data: emptyBucket() };
      assert.equal(Number(c.peers), e.peers, `peers of ${id}`);
      assert.ok(Math.abs(Number(c.minutes) - e.minutes) < 0.01, `minutes of ${id}`);
      assert.deepEqual(parseBucket(c.data), e.data, `data of ${id}`);
      if (e.peers > 0) nonEmpty++;
    }
    assert.equal(nonEmpty, expected.size, 'every expected cell is stored');
    // The old week's Chrome/Firefox cells lost the peer; the API agrees with the direct computation again.
    const i = seeded.indexOf(moved);
    seeded[i] = {
      ...moved,
      day: '2026-03-24',
      hour: '10',
      browser: 'Edge',
      verdict: 'bad',
      audio: 1.2,
    };
    for (const groupBy of ['day', 'browser', 'country'] as const)
      await assertAnswer('', inRange(), groupBy);
    await assertAnswer(
      'browser=Edge',
      inRange().filter((p) => p.browser === 'Edge'),
      'asn',
    );
  });
});

/**
 * Fleet quality analytics on the store TEST_DATABASE_URL selects: the figures
 * of every group (`group_by` each dimension, with and without filters) equal
 * a direct computation over the same seeded peers (percentiles as their
 * histogram bucket's value, the documented bound), peers spanning midnight
 * count on the UTC day they finished, other apps and accounts are never
 * counted; the peers query is worst first and paged; bad parameters are 400
 * naming the field; a real simulated call ends up in the rollups through
 * compaction, and late telemetry corrects them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createApp } from '../../src/store/apps.ts';
import { createApiToken } from '../../src/store/api-tokens.ts';
import { seededRandom } from '../../src/simulate/seeded-random.ts';
import {
  directDay,
  directFigures,
  directGroup,
  seedPeer,
  type DirectFigures,
  type SeedPeer,
} from '../support/rollup-seed.ts';
import { runSimulation } from '../../src/simulate/simulate-run.ts';
import { compactFinishedPeers } from '../../src/store/chunk-compaction.ts';
import { refreshStaleRollups } from '../../src/store/rollup-refresh.ts';
import { applyRetention } from '../../src/store/retention.ts';
import { addPeer, emptyBucket, parseBucket } from '../../src/rollup/bucket-data.ts';
import { bucketKeysOf, type PeerRollup } from '../../src/rollup/peer-rollup.ts';
import { bucketOf } from '../../src/rollup/histogram.ts';
import { qualityCohort } from '../../src/report/report-cohort.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
let other: { accountId: string; token: string; appId: string };
let otherAppId: string;
const seeded: DirectFigures[] = [];
/** Peers of the app just outside the tested range. */
const outside: DirectFigures[] = [];

const BROWSERS = ['Chrome', 'Firefox', 'Safari', undefined];
const OSES = ['Windows', 'macOS', 'Android'];
const COUNTRIES = ['DE', 'US', 'IN', undefined];
const ASNS = ['AS3320', 'AS7922', 'AS9829', undefined];
const RELAYS = [undefined, undefined, 'udp', 'tcp', 'tls'] as const;
const DAY0 = Date.parse('2026-03-28T00:00:00Z');

/** A peer with varied dimensions and figures (seeded), finishing at `leftAt`, `minutes` long. */
function makePeer(
  rnd: () => number,
  accountId: string,
  appId: string,
  leftAt: number,
  minutes: number,
): SeedPeer {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const quality = rnd();
  const n = 3 + Math.floor(rnd() * 8);
  const series = (base: number, spread: number, min = 0) =>
    Array.from({ length: n }, () => Math.max(min, base + (rnd() - 0.5) * spread));
  return {
    id: randomUUID(),
    accountId,
    appId,
    joinedAt: leftAt - minutes * 60_000,
    leftAt,
    browser: pick(BROWSERS),
    os: pick(OSES),
    country: pick(COUNTRIES),
    asn: pick(ASNS),
    relay: pick(RELAYS),
    networkType: pick(['wifi', 'ethernet', undefined]),
    audioMos: series(1.5 + quality * 3.2, 0.6, 1).map((v) => Math.min(4.6, v)),
    videoMos: rnd() < 0.7 ? series(1.3 + quality * 3.4, 0.8, 1).map((v) => Math.min(4.8, v)) : [],
    loss: series((1 - quality) * 12, 6),
    rtt: series(30 + (1 - quality) * 500, 100, 1),
    jitter: series(2 + (1 - quality) * 40, 10),
  };
}

before(async () => {
  t = await startTestServer({ compactAfterMs: 3_600_000, peerTimeoutMs: 600_000 });
  const { db, dialect } = databaseOf(t.server.context.store);
  otherAppId = (await createApp(db, t.accountId, 'other app')).id;
  const otherAccount = `acct${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  other = {
    accountId: otherAccount,
    token: (await createApiToken(db, otherAccount, 'Realtime Admin', 'other')).token,
    appId: (await createApp(db, otherAccount, 'x')).id,
  };
  const rnd = seededRandom(1515);
  for (let i = 0; i < 160; i++) {
    // Finished within 2026-03-28 .. 2026-03-31, at whole 6 s (stored minutes are exact).
    const leftAt = DAY0 + Math.floor(rnd() * 4 * 14_400) * 6000;
    const p = makePeer(rnd, t.accountId, t.appId, leftAt, 1 + Math.floor(rnd() * 600) / 10);
    await seedPeer(db, dialect, p);
    seeded.push(directFigures(p));
  }
  // Spanning midnight: 23:40 on the 29th to 00:25 on the 30th, and one that ends on the 30th at 23:30 UTC-05:00 (the 31st, UTC).
  for (const [joined, left] of [
    ['2026-03-29T23:40:00Z', '2026-03-30T00:25:00Z'],
    ['2026-03-30T22:00:00-05:00', '2026-03-30T23:30:00-05:00'],
  ]) {
    const p = makePeer(
      rnd,
      t.accountId,
      t.appId,
      Date.parse(left),
      (Date.parse(left) - Date.parse(joined)) / 60000,
    );
    await seedPeer(db, dialect, p);
    seeded.push(directFigures(p));
  }
  // Just outside the range on both sides, and peers of another app and another account inside it (never counted).
  for (const leftAt of [DAY0 - 1, DAY0 + 4 * 86_400_000]) {
    const p = makePeer(rnd, t.accountId, t.appId, leftAt, 5);
    await seedPeer(db, dialect, p);
    outside.push(directFigures(p));
  }
  for (let i = 0; i < 20; i++) {
    await seedPeer(db, dialect, makePeer(rnd, t.accountId, otherAppId, DAY0 + i * 3_600_000, 10));
    await seedPeer(
      db,
      dialect,
      makePeer(rnd, other.accountId, other.appId, DAY0 + i * 3_600_000, 10),
    );
  }
});
after(() => t.close());

const kit = () => `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
async function getJson(url: string, token = t.token): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}
const RANGE = 'start_date=2026-03-28&end_date=2026-03-31';

function groupsOf(
  peers: DirectFigures[],
  key: (p: DirectFigures) => string,
): Map<string, DirectFigures[]> {
  const m = new Map<string, DirectFigures[]>();
  for (const p of peers) m.set(key(p), [...(m.get(key(p)) ?? []), p]);
  return m;
}

function assertGroups(
  body: any,
  expected: Map<string, DirectFigures[]>,
  zeroDays: string[] = [],
): void {
  const got = new Map<string, unknown>(body.data.groups.map((g: any) => [g.key, g]));
  for (const day of zeroDays) if (!expected.has(day)) expected.set(day, []);
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
  for (const [key, peers] of expected)
    assert.deepEqual(got.get(key), { key, ...directGroup(peers) }, `group ${key}`);
}

describe('quality analytics', () => {
  test('group_by day: every figure equals the direct computation; UTC days, midnight-spanning peers on their finishing day', async () => {
    const { status, body } = await getJson(`${kit()}/analytics/quality?${RANGE}&group_by=day`);
    assert.equal(status, 200);
    assertGroups(
      body,
      groupsOf(seeded, (p) => p.day),
      ['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'],
    );
    assert.deepEqual(body.data.overall, directGroup(seeded));
    assert.deepEqual(
      body.data.groups.map((g: any) => g.key),
      ['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'],
    );
    const spanning = seeded.filter((p) => p.peer.joinedAt < Date.parse(p.day + 'T00:00:00Z'));
    assert.ok(
      spanning.some((p) => p.day === '2026-03-30') && spanning.some((p) => p.minutes === 45),
    );
    assert.ok(
      seeded.some(
        (p) => p.day === '2026-03-31' && p.peer.leftAt === Date.parse('2026-03-31T04:30:00Z'),
      ),
    );
  });

  for (const dim of ['hour', 'browser', 'os', 'country', 'asn', 'network'] as const) {
    test(`group_by ${dim} equals the direct computation`, async () => {
      const { status, body } = await getJson(
        `${kit()}/analytics/quality?${RANGE}&group_by=${dim}&limit=1000`,
      );
      assert.equal(status, 200);
      assertGroups(
        body,
        groupsOf(seeded, (p) => (dim === 'hour' ? `${p.day}T${p.hour}` : p[dim])),
      );
      assert.deepEqual(body.data.overall, directGroup(seeded));
    });
  }

  test('filters (any of several values, several dimensions) give the figures of the matching peers', async () => {
    const match = seeded.filter(
      (p) => (p.browser === 'Chrome' || p.browser === 'Firefox') && p.asn !== 'AS9829',
    );
    const asns = ['AS3320', 'AS7922', 'unknown'].join(',');
    const { status, body } = await getJson(
      `${kit()}/analytics/quality?${RANGE}&group_by=country&browser=Chrome,Firefox&asn=${asns}`,
    );
    assert.equal(status, 200);
    assertGroups(
      body,
      groupsOf(match, (p) => p.country),
    );
    assert.deepEqual(body.data.overall, directGroup(match));
    const byDay = await getJson(
      `${kit()}/analytics/quality?${RANGE}&group_by=day&network=relay-tcp,relay-tcp-wifi,relay-tcp-ethernet`,
    );
    assertGroups(
      byDay.body,
      groupsOf(
        seeded.filter((p) => p.network.startsWith('relay-tcp')),
        (p) => p.day,
      ),
      ['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'],
    );
  });

  test('daily=true: each group also per UTC day (for sparklines), equal to the direct computation, with and without filters', async () => {
    for (const query of ['group_by=browser', 'group_by=asn&os=Windows,macOS']) {
      const { status, body } = await getJson(
        `${kit()}/analytics/quality?${RANGE}&${query}&daily=true`,
      );
      assert.equal(status, 200);
      const match = query.includes('os=')
        ? seeded.filter((p) => p.os === 'Windows' || p.os === 'macOS')
        : seeded;
      const dim = query.includes('asn') ? 'asn' : 'browser';
      for (const g of body.data.groups) {
        assert.deepEqual(
          g.daily.map((d: any) => d.day),
          ['2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'],
        );
        for (const d of g.daily) {
          const peers = match.filter((p) => p[dim] === g.key && p.day === d.day);
          assert.deepEqual(d, directDay(d.day, peers), `${query} ${g.key} ${d.day}`);
        }
      }
    }
  });

  test('a range of one day; the default range is the last 7 days (today included)', async () => {
    const { body } = await getJson(
      `${kit()}/analytics/quality?start_date=2026-03-30&end_date=2026-03-30&group_by=browser`,
    );
    assertGroups(
      body,
      groupsOf(
        seeded.filter((p) => p.day === '2026-03-30'),
        (p) => p.browser,
      ),
    );
    const def = await getJson(`${kit()}/analytics/quality`);
    assert.equal(def.status, 200);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(def.body.data.end_date, today);
    assert.equal(def.body.data.groups.length, 7);
    assert.equal(def.body.data.overall.peers, 0);
  });

  test('another account reading this app is refused; its own app shows only its own peers', async () => {
    const denied = await getJson(`${kit()}/analytics/quality?${RANGE}`, other.token);
    assert.ok(denied.status === 403 || denied.status === 404, `status ${denied.status}`);
    const own = await getJson(
      `${t.baseURL}/accounts/${other.accountId}/realtime/kit/${other.appId}/analytics/quality?${RANGE}`,
      other.token,
    );
    assert.equal(own.body.data.overall.peers, 20);
    const otherApp = await getJson(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${otherAppId}/analytics/quality?${RANGE}&group_by=browser`,
    );
    assert.equal(otherApp.body.data.overall.peers, 20);
    const wrongAccount = await getJson(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${other.appId}/analytics/quality?${RANGE}`,
    );
    assert.equal(wrongAccount.status, 404);
  });

  test('peers query: worst first, paged, filtered by verdict, issue kind and dimensions; each row opens its report', async () => {
    const order = (a: DirectFigures, b: DirectFigures) =>
      b.severity - a.severity || (a.peer.id < b.peer.id ? 1 : -1);
    const all = [...seeded].sort(order);
    const page2 = await getJson(`${kit()}/analytics/quality/peers?${RANGE}&per_page=10&page_no=2`);
    assert.equal(page2.status, 200);
    assert.deepEqual(
      page2.body.data.peers.map((p: any) => p.peer_id),
      all.slice(10, 20).map((p) => p.peer.id),
    );
    assert.deepEqual(page2.body.paging, {
      start_offset: 11,
      end_offset: 20,
      total_count: seeded.length,
    });
    const first = page2.body.data.peers[0];
    const expected = all[10];
    assert.equal(first.verdict, expected.verdict);
    assert.deepEqual(first.issues, expected.issues);
    assert.equal(first.audio_mos, expected.audio);
    assert.equal(
      first.report_path,
      `/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${expected.peer.id}`,
    );

    const bad = seeded
      .filter(
        (p) =>
          (p.verdict === 'bad' || p.verdict === 'poor') &&
          p.issues.includes('packet_loss') &&
          p.browser === 'Chrome',
      )
      .sort(order);
    assert.ok(bad.length > 0, 'bad.length > 0');
    const filtered = await getJson(
      `${kit()}/analytics/quality/peers?${RANGE}&verdict=poor,bad&kind=packet_loss&browser=Chrome&per_page=100`,
    );
    assert.deepEqual(
      filtered.body.data.peers.map((p: any) => p.peer_id),
      bad.map((p) => p.peer.id),
    );
    assert.equal(filtered.body.paging.total_count, bad.length);
  });

  test("a finished peer's cohort context: ranks among the week's peers overall, same ASN, browser, both", async () => {
    const peer = seeded
      .filter(
        (p) =>
          p.day === '2026-03-31' &&
          p.asn !== 'unknown' &&
          p.browser !== 'unknown' &&
          p.audio !== null,
      )
      .sort((a, b) => a.audio! - b.audio!)[0];
    // (Seeded peers have no session to report on; the HTTP report of a real peer is checked below.)
    const cohort = (await qualityCohort(
      t.server.context.store,
      t.accountId,
      t.appId,
      peer.peer.id,
    )) as any;
    const week = [...seeded, ...outside].filter(
      (p) => p.day >= '2026-03-25' && p.day <= '2026-03-31',
    );
    const bucketRank = (group: DirectFigures[], key: 'audio' | 'video', v: number) => {
      const with_ = group.filter((p) => p[key] !== null);
      const b = bucketOf('mos', v);
      const below =
        with_.filter((p) => bucketOf('mos', p[key]!) < b).length +
        with_.filter((p) => bucketOf('mos', p[key]!) === b).length / 2;
      return Math.round((below / with_.length) * 1000) / 10;
    };
    const exactRank = (group: DirectFigures[], key: 'audio' | 'video', v: number) => {
      const with_ = group.filter((p) => p[key] !== null);
      const below =
        with_.filter((p) => p[key]! < v).length + with_.filter((p) => p[key] === v).length / 2;
      return Math.round((below / with_.length) * 1000) / 10;
    };
    const sameAsn = week.filter((p) => p.asn === peer.asn);
    const sameBrowser = week.filter((p) => p.browser === peer.browser);
    const both = sameAsn.filter((p) => p.browser === peer.browser);
    assert.deepEqual(cohort.cohorts[0], {
      scope: 'app',
      peers: week.length,
      audio_mos_percentile: bucketRank(week, 'audio', peer.audio!),
      ...(peer.video === null
        ? {}
        : { video_mos_percentile: bucketRank(week, 'video', peer.video) }),
    });
    assert.deepEqual(cohort.cohorts[1], {
      scope: 'asn',
      asn: peer.asn,
      peers: sameAsn.length,
      audio_mos_percentile: bucketRank(sameAsn, 'audio', peer.audio!),
      ...(peer.video === null
        ? {}
        : { video_mos_percentile: bucketRank(sameAsn, 'video', peer.video) }),
    });
    assert.deepEqual(cohort.cohorts[2], {
      scope: 'browser',
      browser: peer.browser,
      peers: sameBrowser.length,
      audio_mos_percentile: bucketRank(sameBrowser, 'audio', peer.audio!),
      ...(peer.video === null
        ? {}
        : { video_mos_percentile: bucketRank(sameBrowser, 'video', peer.video) }),
    });
    assert.deepEqual(cohort.cohorts[3], {
      scope: 'asn_browser',
      asn: peer.asn,
      browser: peer.browser,
      peers: both.length,
      audio_mos_percentile: exactRank(both, 'audio', peer.audio!),
      ...(peer.video === null
        ? {}
        : { video_mos_percentile: exactRank(both, 'video', peer.video) }),
    });
    assert.equal(cohort.start_date, '2026-03-25');
    // The lowest audio MOS of the day is in the bottom of the app's week.
    assert.match(cohort.summary, /^bottom (5|10|25) % /);
  });

  test('bad parameters: 400 naming the field; unknown app 404', async () => {
    const cases: [string, string][] = [
      ['start_date=2026-3-1', 'start_date'],
      ['start_date=2026-02-30', 'start_date'],
      ['start_date=2026-13-01', 'start_date'],
      ['end_date=9999-99-99', 'end_date'],
      ['end_date=yesterday', 'end_date'],
      ['start_date=2026-03-31&end_date=2026-03-01', 'end_date'],
      ['start_date=2020-01-01&end_date=2026-03-01', 'start_date'],
      ['group_by=planet', 'group_by'],
      ['group_by=day,browser', 'group_by'],
      ['hour=25', 'hour'],
      ['limit=0', 'limit'],
      ['daily=yes', 'daily'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await getJson(`${kit()}/analytics/quality?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.errors[0].source.pointer, field, query);
    }
    for (const [query, field] of [
      ['verdict=awful', 'verdict'],
      ['kind=aliens', 'kind'],
      ['per_page=1000', 'per_page'],
    ] as const) {
      const { status, body } = await getJson(`${kit()}/analytics/quality/peers?${query}`);
      assert.equal(status, 400, query);
      assert.equal(body.errors[0].source.pointer, field, query);
    }
    assert.equal(
      (
        await getJson(
          `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${randomUUID()}/analytics/quality`,
        )
      ).status,
      404,
    );
  });
});

describe('rollups maintained by compaction', () => {
  test('a simulated call finishes into the rollups, its peers open their reports, and late telemetry corrects them', async () => {
    const server = await startTestServer({ compactAfterMs: 3_600_000, peerTimeoutMs: 600_000 });
    try {
      const peers = await runSimulation({
        url: server.url,
        token: server.token,
        accountId: server.accountId,
        appId: server.appId,
        profile: 'lossy-wifi',
        minutes: 2,
        peers: 2,
        seed: 7,
      });
      const { db, dialect } = databaseOf(server.server.context.store);
      const base = `${server.baseURL}/accounts/${server.accountId}/realtime/kit/${server.appId}`;
      const before = await getJson(`${base}/analytics/quality`, server.token);
      assert.equal(before.body.data.overall.peers, 0, 'nothing before the peers are compacted');
      await compactFinishedPeers(db, dialect, Date.now(), 0, 100);
      const q = await getJson(`${base}/analytics/quality?group_by=network`, server.token);
      assert.equal(q.body.data.overall.peers, 2);
      assert.ok(q.body.data.overall.audio_mos.p50 > 1, 'q.body.data.overall.audio_mos.p50 > 1');
      const list = await getJson(`${base}/analytics/quality/peers`, server.token);
      assert.deepEqual(
        list.body.data.peers.map((p: any) => p.peer_id).sort(),
        peers.map((p) => p.peerId).sort(),
      );
      const report = await fetch(`${server.baseURL}${list.body.data.peers[0].report_path}`, {
        headers: { authorization: `Bearer ${server.token}` },
      });
      assert.equal(report.status, 200);
      const cohort = ((await report.json()) as any).data.quality_cohort;
      assert.equal(cohort.cohorts[0].scope, 'app');
      assert.equal(cohort.cohorts[0].peers, 2);
      assert.equal(cohort.end_date, new Date().toISOString().slice(0, 10));

      // A late chunk (a copy of the peer's first one, much lossier) stored after compaction, as a late batch would be.
      const target = peers[0].peerId;
      const rollupBefore = await db
        .selectFrom('peer_rollups')
        .selectAll()
        .where('peer_id', '=', target)
        .executeTakeFirstOrThrow();
      const first = await db
        .selectFrom('quality_chunks')
        .selectAll()
        .where('peer_id', '=', target)
        .orderBy('id')
        .executeTakeFirstOrThrow();
      const { id: _id, ...copy } = first;
      for (let i = 1; i <= 3; i++)
        await db
          .insertInto('quality_chunks')
          .values({
            ...copy,
            first_ts: Number(first.first_ts) + i * 3_600_000,
            last_ts: Number(first.last_ts) + i * 3_600_000,
          })
          .execute();
      await db
        .updateTable('peers')
        .set({ updated_at: Date.now() + 1000 })
        .where('id', '=', target)
        .execute();
      assert.deepEqual(await refreshStaleRollups(db, dialect, Date.now() + 2000), [target]);
      const rollupAfter = await db
        .selectFrom('peer_rollups')
        .selectAll()
        .where('peer_id', '=', target)
        .executeTakeFirstOrThrow();
      assert.ok(
        Number(rollupAfter.chunks_upto) > Number(rollupBefore.chunks_upto),
        'Number(rollupAfter.chunks_upto) > Number(rollupBefore.chunks_upto)',
      );
      // Every bucket still equals the sum of its peers' current rollups (the old contribution was taken out).
      const rollups = (await db
        .selectFrom('peer_rollups')
        .selectAll()
        .where('app_id', '=', server.appId)
        .execute()) as unknown as PeerRollup[];
      const buckets = await db
        .selectFrom('rollup_buckets')
        .selectAll()
        .where('app_id', '=', server.appId)
        .execute();
      for (const b of buckets) {
        const expected = emptyBucket();
        let n = 0;
        for (const r of rollups) {
          const p = {
            ...r,
            audio_mos: r.audio_mos === null ? null : Number(r.audio_mos),
            video_mos: r.video_mos === null ? null : Number(r.video_mos),
            loss_p50: r.loss_p50 === null ? null : Number(r.loss_p50),
            rtt_p50: r.rtt_p50 === null ? null : Number(r.rtt_p50),
            jitter_p50: r.jitter_p50 === null ? null : Number(r.jitter_p50),
            issue_mask: Number(r.issue_mask),
          };
          if (
            p.day === b.day &&
            bucketKeysOf(p).some((k) => k.dim === b.dim && k.value === b.value)
          ) {
            addPeer(expected, p);
            n++;
          }
        }
        assert.equal(Number(b.peers), n, `${b.dim}=${b.value}`);
        const got = parseBucket(b.data);
        assert.deepEqual(got, expected, `${b.dim}=${b.value}`);
      }
      assert.deepEqual(await refreshStaleRollups(db, dialect, Date.now() + 3000), [], 'once');

      // Telemetry retention removes the peers' telemetry; their rollups stay.
      const day = new Date().toISOString().slice(0, 10);
      await applyRetention(db, dialect, Date.now() + 10 * 86_400_000, 1);
      const expired = await db
        .selectFrom('peers')
        .select('expired_at')
        .where('id', '=', target)
        .executeTakeFirstOrThrow();
      assert.notEqual(expired.expired_at, null, 'the telemetry was removed');
      const kept = await getJson(
        `${base}/analytics/quality?start_date=${day}&end_date=${day}`,
        server.token,
      );
      assert.equal(kept.body.data.overall.peers, 2);
    } finally {
      await server.close();
    }
  });
});

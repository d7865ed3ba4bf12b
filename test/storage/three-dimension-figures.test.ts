/**
 * A quality query of three dimensions (two filters grouped by a third) reads per-peer rows, plain on SQLite and
 * packed by the database on PostgreSQL (src/store/packed-figure-columns.ts). On the store TEST_DATABASE_URL
 * selects, with figures on every bucket edge, one double either side of it, rounded near it, at the scales' ends,
 * below and above them, and missing:
 * - the query's groups, overall figures and daily sparklines equal the direct computation over the same peers
 *   (`addPeer`, `groupFigures`), with a limit that leaves groups unanswered;
 * - on PostgreSQL, each packed row holds exactly the buckets `bucketOf` gives, the verdict's rank and the mask.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/open-database.ts';
import { RollupBulkLoader } from '../../src/store/rollup-bulk-load.ts';
import { qualityByGroup, type RollupScope } from '../../src/store/quality-rollups-read.ts';
import { packedFigureColumns } from '../../src/store/packed-figure-columns.ts';
import { postgresAdapter } from '../../src/store/postgres/postgres-adapter.ts';
import { sqliteAdapter } from '../../src/store/sqlite/sqlite-adapter.ts';
import { addPeer, emptyBucket, groupFigures, HISTOGRAMS } from '../../src/rollup/bucket-data.ts';
import {
  bucketCount,
  bucketOf,
  bucketThresholds,
  type HistogramMetric,
} from '../../src/rollup/histogram.ts';
import { ISSUE_KINDS, VERDICTS } from '../../src/rollup/rollup-diagnosis.ts';
import type { PeerRollup } from '../../src/rollup/peer-rollup.ts';
import { PACKED_NO_FIGURE } from '../../src/rollup/bucket-accumulator.ts';
import { seededRandom } from '../../src/simulate/seeded-random.ts';
import { dropPostgresSchema, freshPostgresUrl } from '../support/postgres.ts';

const DAY_MS = 86_400_000;
const START = Date.parse('2026-05-10T00:00:00Z');
const DAYS = 3;

const base = process.env.TEST_DATABASE_URL;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-three-dims-'));
const pg = base ? await freshPostgresUrl(base) : undefined;
const store = await openDatabase({ dataDir: dir, databaseUrl: pg?.url });
const adapter = store.pool ? postgresAdapter(store.pool) : sqliteAdapter(store.sqlite!);

after(async () => {
  await store.close();
  if (pg) await dropPostgresSchema(base!, pg.schema);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The next double above (`+1`) or below (`-1`) a positive `v`. */
function adjacent(v: number, step: 1 | -1): number {
  const f = new Float64Array([v]);
  const bits = new BigInt64Array(f.buffer);
  bits[0] += BigInt(step);
  return f[0];
}

/** Values of `metric` where a bucketing can go wrong: each edge, its neighbours, rounded near it, the ends. */
function edgeValues(metric: HistogramMetric, top: number): (number | null)[] {
  const out: (number | null)[] = [null, 0, -1, top, top * 3, 1e-12];
  for (const edge of bucketThresholds(metric))
    out.push(
      edge,
      adjacent(edge, -1),
      adjacent(edge, 1),
      Number(edge.toFixed(3)),
      Number(edge.toPrecision(4)),
    );
  return out;
}

const COLUMNS: [
  keyof typeof HISTOGRAMS,
  'audio_mos' | 'video_mos' | 'loss_p50' | 'rtt_p50' | 'jitter_p50',
  number,
][] = [
  ['am', 'audio_mos', 5],
  ['vm', 'video_mos', 5],
  ['l', 'loss_p50', 100],
  ['r', 'rtt_p50', 10_000],
  ['j', 'jitter_p50', 1_000],
];

function makePeers(): PeerRollup[] {
  const rnd = seededRandom(3303);
  const lists = COLUMNS.map(([key, , top]) => edgeValues(HISTOGRAMS[key], top));
  const n = Math.max(...lists.map((l) => l.length)) + 200;
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  return Array.from({ length: n }, (_, i) => {
    const finished = START + Math.floor(rnd() * DAYS * DAY_MS);
    const iso = new Date(finished).toISOString();
    const [am, vm, l, r, j] = lists.map((list, c) => list[(i * (c + 1)) % list.length]);
    return {
      peer_id: `peer-${i}`,
      account_id: 'acc',
      app_id: 'app-three',
      session_id: `s-${i % 40}`,
      joined_at: finished - 600_000,
      finished_at: finished,
      day: iso.slice(0, 10),
      hour: iso.slice(11, 13),
      // Three quarters match the filters; the rest must be left out.
      browser: i % 4 === 3 ? 'Firefox' : 'Chrome',
      os: i % 8 === 5 ? 'macOS' : 'Windows',
      country: pick(['DE', 'DE', 'DE', 'US', 'US', 'FR', 'BR']),
      asn: 'AS3320',
      network: 'direct-udp',
      // Halves: their sums are exact in any order.
      minutes: (i % 50) / 2,
      audio_mos: am,
      video_mos: vm,
      loss_p50: l,
      loss_p90: l,
      rtt_p50: r,
      rtt_p90: r,
      jitter_p50: j,
      jitter_p90: j,
      verdict: pick(VERDICTS),
      issue_mask:
        i % 5 === 0 ? 2 ** ISSUE_KINDS.length - 1 : Math.floor(rnd() * 2 ** ISSUE_KINDS.length),
      severity: 0,
    };
  });
}

const peers = makePeers();
const loader = new RollupBulkLoader(store.dialect, START + DAYS * DAY_MS);
await store.db.transaction().execute(async (tx) => {
  await loader.add(tx, peers);
  await loader.flush(tx);
});

const scope: RollupScope = {
  accountId: 'acc',
  appId: 'app-three',
  fromDay: '2026-05-10',
  toDay: '2026-05-12',
  filters: { browser: ['Chrome'], os: ['Windows'] },
};
const matching = peers.filter((p) => p.browser === 'Chrome' && p.os === 'Windows');

function direct(of: PeerRollup[]) {
  const b = emptyBucket();
  for (const p of of) addPeer(b, p);
  return groupFigures(
    b,
    of.length,
    of.reduce((s, p) => s + p.minutes, 0),
  );
}

test('three dimensions with sparklines: groups, overall and days equal the direct computation', async () => {
  const answer = await qualityByGroup(store.db, adapter, scope, 'country', 2, true);
  const countries = [...new Set(matching.map((p) => p.country))];
  assert.equal(answer.groups_total, countries.length);
  assert.deepEqual(answer.overall, direct(matching));
  assert.equal(answer.groups.length, 2, 'only the two largest groups are answered');
  const sizes = countries
    .map((c) => [c, matching.filter((p) => p.country === c).length] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [i, group] of answer.groups.entries()) {
    assert.equal(group.key, sizes[i][0]);
    const ofGroup = matching.filter((p) => p.country === group.key);
    const { daily, key: _key, ...figures } = group;
    assert.deepEqual(figures, direct(ofGroup), group.key);
    assert.equal(daily?.length, DAYS);
    for (const d of daily!) {
      const ofDay = direct(ofGroup.filter((p) => p.day === d.day));
      assert.deepEqual(
        {
          peers: d.peers,
          audio_mos_p50: d.audio_mos_p50,
          video_mos_p50: d.video_mos_p50,
          poor_bad_share: d.poor_bad_share,
        },
        {
          peers: ofDay.peers,
          audio_mos_p50: ofDay.audio_mos.p50,
          video_mos_p50: ofDay.video_mos.p50,
          poor_bad_share: Math.round((ofDay.verdicts.poor + ofDay.verdicts.bad) * 10_000) / 10_000,
        },
        `${group.key} ${d.day}`,
      );
    }
  }
});

test('packed rows hold exactly the buckets bucketOf gives, the verdict rank and the mask', async (t) => {
  if (!adapter.packsFigureRows) return t.skip('this store reads the rows plain');
  const rows = await adapter.selectArrays(
    store.db,
    store.db.selectFrom('peer_rollups').select('peer_id').select(packedFigureColumns()).compile(),
  );
  const byId = new Map(peers.map((p) => [p.peer_id, p]));
  assert.equal(rows.length, peers.length);
  const mismatches: string[] = [];
  for (const [id, minutes, packed, verdictMask] of rows) {
    const p = byId.get(String(id))!;
    assert.equal(Number(minutes), p.minutes);
    let rest = Number(packed);
    for (const [key, column] of COLUMNS) {
      const b = rest % 128;
      rest = (rest - b) / 128;
      const metric = HISTOGRAMS[key];
      const v = p[column];
      const expected = v === null ? PACKED_NO_FIGURE : bucketOf(metric, v);
      assert.ok(expected < bucketCount(metric) || expected === PACKED_NO_FIGURE);
      if (b !== expected) mismatches.push(`${column} ${v}: database ${b}, bucketOf ${expected}`);
    }
    assert.equal(Number(verdictMask), p.issue_mask * 4 + VERDICTS.indexOf(p.verdict), String(id));
  }
  assert.deepEqual(mismatches, []);
});

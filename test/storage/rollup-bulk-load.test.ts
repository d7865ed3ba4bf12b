/**
 * The bulk load of rollups (src/store/rollup-bulk-load.ts, the fleet-quality
 * benchmark's seeding) leaves `peer_rollups`, `rollup_buckets` and
 * `rollup_cells` exactly as storing the same peers one by one through the
 * compaction's writer (`storePeerRollup`) does, on the store
 * TEST_DATABASE_URL selects: peers of several tenants over 20 days (whole
 * weeks and edge days), out of order, some finishing days late, flushed in
 * windows, on top of rollups already stored; and six concurrent writers of
 * the same buckets store the same.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../../src/store/open-database.ts';
import { storePeerRollup } from '../../src/store/quality-rollups.ts';
import { RollupBulkLoader } from '../../src/store/rollup-bulk-load.ts';
import { peerRollupOf, type PeerRollup } from '../../src/rollup/peer-rollup.ts';
import { parseBucket } from '../../src/rollup/bucket-data.ts';
import { seededRandom } from '../../src/simulate/seeded-random.ts';
import type { MetricRow } from '../../src/analytics/metric-row.ts';
import { dropPostgresSchema, freshPostgresUrl } from '../support/postgres.ts';

type Store = Awaited<ReturnType<typeof openDatabase>>;
const stores: { store: Store; dir: string; schema?: string }[] = [];

async function freshStore(): Promise<Store> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-bulk-'));
  const base = process.env.TEST_DATABASE_URL;
  const pg = base ? await freshPostgresUrl(base) : undefined;
  const store = await openDatabase({ dataDir: dir, databaseUrl: pg?.url });
  stores.push({ store, dir, schema: pg?.schema });
  return store;
}

after(async () => {
  for (const s of stores) {
    await s.store.close();
    if (s.schema) await dropPostgresSchema(process.env.TEST_DATABASE_URL!, s.schema);
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});

const DAY_MS = 86_400_000;
const START = Date.parse('2026-03-04T00:00:00Z'); // a Wednesday: edge days, then whole weeks

function makeRollups(n: number): PeerRollup[] {
  const rnd = seededRandom(1515);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const apps = [
    ['acc', 'app-a'],
    ['acc', 'app-b'],
    ['other', 'app-c'],
  ];
  const out: PeerRollup[] = [];
  for (let i = 0; i < n; i++) {
    const [account, app] = pick(apps);
    const leftAt = START + Math.floor(rnd() * 20 * DAY_MS);
    const minutes = 0.5 + rnd() * 40;
    const q = rnd();
    const series = (base: number): MetricRow[] =>
      Array.from({ length: 4 }, (_, k) => ({
        t: leftAt - 60_000 + k * 2000,
        d: 2,
        mos: Math.min(4.6, Math.max(1, base + rnd() - 0.5)),
        loss: rnd() * (1 - q) * 20,
        rtt: 20 + rnd() * (1 - q) * 500,
        jit: rnd() * 30,
      }));
    const rows = new Map<string, MetricRow[]>([
      ['audio_consumer', series(1.4 + q * 3.2)],
      ['video_producer', series(1.2 + q * 3.4)],
    ]);
    const verdict = q > 0.7 ? 'good' : q > 0.5 ? 'fair' : q > 0.3 ? 'poor' : 'bad';
    out.push(
      peerRollupOf(
        {
          id: randomUUID(),
          account_id: account,
          app_id: app,
          session_id: randomUUID(),
          joined_at: leftAt - Math.round(minutes * 60_000),
          left_at: leftAt,
          client: JSON.stringify({
            browser_metadata: { browser: pick(['Chrome', 'Safari', 'Firefox']) },
            device_info: { os: pick(['Windows', 'macOS', 'Android']) },
          }),
          ip_info: JSON.stringify({
            country: pick(['DE', 'US', 'IN']),
            asn: { asn: pick(['AS3320', 'AS7922', 'AS9829']) },
          }),
        },
        rows,
        undefined,
        {
          verdict,
          kinds: verdict === 'good' ? [] : [pick(['packet_loss', 'high_rtt', 'jitter'] as const)],
        },
      ),
    );
  }
  return out;
}

/**
 * Every row of the three tables, sorted, bucket data parsed and numbers as numbers; without `computed_at`, which
 * a bulk load sets to the peer's finish (see the test of it below).
 */
async function contents(store: Store): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['peer_rollups', 'rollup_buckets', 'rollup_cells'] as const) {
    const rows = (await store.db.selectFrom(table).selectAll().execute()) as Record<
      string,
      unknown
    >[];
    out[table] = rows
      .map((r) => {
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(r).sort()) {
          if (k === 'computed_at') continue;
          const v = r[k];
          if (k === 'data') {
            const b = parseBucket(String(v));
            o[k] = { ...b, k: Object.fromEntries(Object.entries(b.k).sort()) };
          } else if (
            typeof v === 'string' &&
            /^-?\d+(\.\d+)?$/.test(v) &&
            k !== 'day' &&
            k !== 'hour'
          )
            o[k] = Number(v);
          else o[k] = v;
        }
        return o;
      })
      .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  }
  return out;
}

/** The same peers (ids included) for every test. */
const ROLLUPS = makeRollups(600);
let oneByOne: Store;
let bulk: Store;
const NOW = Date.UTC(2026, 2, 30);

before(async () => {
  oneByOne = await freshStore();
  bulk = await freshStore();
});

test('a bulk load stores what storing the peers one by one stores', async () => {
  const rollups = ROLLUPS;
  // The first 100 are already stored in both (a load adds to existing buckets).
  for (const s of [oneByOne, bulk])
    for (const r of rollups.slice(0, 100))
      await s.db.transaction().execute((tx) => storePeerRollup(tx, s.dialect, r, 0, NOW));
  const rest = rollups.slice(100);
  for (const r of rest)
    await oneByOne.db
      .transaction()
      .execute((tx) => storePeerRollup(tx, oneByOne.dialect, r, 0, NOW));
  // Bulk: in finishing-day order, three days late now and then, windows of 50 flushed two days behind.
  const ordered = [...rest].sort((a, b) => a.finished_at - b.finished_at);
  for (let i = 0; i + 3 < ordered.length; i += 7)
    [ordered[i], ordered[i + 3]] = [ordered[i + 3], ordered[i]];
  const loader = new RollupBulkLoader(bulk.dialect, NOW);
  let flushedMidway = 0;
  for (let i = 0; i < ordered.length; i += 50) {
    const part = ordered.slice(i, i + 50);
    const before = new Date(Math.min(...ordered.slice(i).map((r) => r.finished_at))).toISOString();
    await bulk.db.transaction().execute(async (tx) => {
      await loader.add(tx, part);
      const pending = loader.pending;
      await loader.flush(tx, before.slice(0, 10));
      flushedMidway += pending - loader.pending;
    });
  }
  await bulk.db.transaction().execute((tx) => loader.flush(tx));
  assert.equal(loader.pending, 0, 'nothing left pending');
  assert.ok(flushedMidway > 0, 'some buckets were written before the end');
  const [a, b] = [await contents(oneByOne), await contents(bulk)];
  assert.equal(b.peer_rollups.length, 600, 'every peer row');
  assert.ok(b.rollup_cells.length > 100, `cells written: ${b.rollup_cells.length}`);
  for (const table of Object.keys(a)) assert.deepEqual(b[table], a[table], table);
  // A bulk-loaded peer counts as computed when it finished (never later than the load), so that the stale-rollup
  // sweep, which looks at rollups computed in its last 30 minutes, does not read a whole backfill each time.
  const computed = await bulk.db
    .selectFrom('peer_rollups')
    .select(['peer_id', 'finished_at', 'computed_at'])
    .execute();
  for (const r of computed.filter((c) => rest.some((p) => p.peer_id === c.peer_id)))
    assert.equal(Number(r.computed_at), Math.min(NOW, Number(r.finished_at)), r.peer_id);
  assert.ok(
    computed.some((r) => Number(r.finished_at) < NOW - 30 * 60_000),
    'some peers finished before the sweep window',
  );
});

test('concurrent writers of the same buckets lose no counts and do not deadlock', async () => {
  const concurrent = await freshStore();
  const rollups = ROLLUPS;
  // Six writers at once (PostgreSQL: six pool connections), each peer in its own transaction as compaction does.
  await Promise.all(
    Array.from({ length: 6 }, async (_, w) => {
      for (let i = w; i < rollups.length; i += 6)
        await concurrent.db
          .transaction()
          .execute((tx) => storePeerRollup(tx, concurrent.dialect, rollups[i], 0, NOW));
    }),
  );
  const [a, b] = [await contents(oneByOne), await contents(concurrent)];
  for (const table of Object.keys(a)) assert.deepEqual(b[table], a[table], table);
});

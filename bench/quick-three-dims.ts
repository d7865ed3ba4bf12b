/**
 * Developer aid for issue 15: where the time of a three-dimension quality query goes (two filters grouped by a
 * third: no bucket holds it, so the matching per-peer rows are aggregated). Seeds `BENCH_FLEET_PEERS` peers
 * (default 200,000) on the embedded store the way `npm run bench fleet-quality` does, then times, in one
 * process, the store's `qualityByGroup` for the bench's three-dimension cases and the bare read of their rows.
 * `node --import tsx bench/quick-three-dims.ts`; CPU per call is what to compare (the machine may be shared).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { seed } from './fleet-quality.ts';
import { openDatabase } from '../src/store/open-database.ts';
import {
  qualityByGroup,
  type GroupBy,
  type RollupFilters,
} from '../src/store/quality-rollups-read.ts';
import type { Database } from '../src/store/schema.ts';
import { sqliteAdapter } from '../src/store/sqlite/sqlite-adapter.ts';

const DAY_MS = 86_400_000;
// KEEP_DIR=path: seed there once and reuse it on later runs.
const kept = process.env.KEEP_DIR;
const dir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'three-dims-'));
const accountId = 'acc';
const appId = 'app-three';
if (!kept || !fs.existsSync(path.join(dir, 'peer-report.sqlite'))) {
  fs.mkdirSync(dir, { recursive: true });
  await (await openDatabase({ dataDir: dir })).close();
  console.error(`seeding: ${await seed(undefined, dir, accountId, appId)} s`);
}

const raw = new SQLite(path.join(dir, 'peer-report.sqlite'));
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
const adapter = sqliteAdapter(raw);
const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
const scope = (days: number, filters: RollupFilters) => ({
  accountId,
  appId,
  fromDay: day((days - 1) * DAY_MS),
  toDay: day(0),
  filters,
});

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function time(name: string, reps: number, run: () => Promise<unknown> | unknown) {
  for (let i = 0; i < 3; i++) await run();
  const walls: number[] = [];
  const c0 = cpuMs();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await run();
    walls.push(performance.now() - t0);
  }
  const cpu = (cpuMs() - c0) / reps;
  walls.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(60)} p50 ${walls[Math.floor(reps / 2)].toFixed(1)} ms, max ${walls[reps - 1].toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms`,
  );
}

const cases: [string, number, GroupBy, RollupFilters][] = [
  [
    '7 days, Chrome and Windows, by country',
    7,
    'country',
    { browser: ['Chrome'], os: ['Windows'] },
  ],
  ['7 days, Chrome and relay, by asn', 7, 'asn', { browser: ['Chrome'], network: ['relay-udp'] }],
  ['90 days, Chrome and Windows, by asn', 90, 'asn', { browser: ['Chrome'], os: ['Windows'] }],
];
for (const [name, days, groupBy, filters] of cases) {
  const s = scope(days, filters);
  const matched = raw
    .prepare(
      `select count(*) n from peer_rollups where app_id = ? and finished_at >= ? and finished_at < ? and browser || '' = ? and ${Object.keys(filters)[1]} || '' = ?`,
    )
    .get(
      appId,
      Date.parse(s.fromDay),
      Date.parse(s.toDay) + DAY_MS,
      filters.browser![0],
      Object.values(filters)[1]![0],
    ) as { n: number };
  console.log(`${name}: ${matched.n} matching peers`);
  await time(`  qualityByGroup`, 20, () => qualityByGroup(db, adapter, s, groupBy, 50));
}
await db.destroy();
if (!kept) fs.rmSync(dir, { recursive: true, force: true });

/**
 * Developer aid for issue 15: where the time of a three-dimension quality query goes (two filters grouped by a
 * third: no bucket holds it, so the matching per-peer rows are aggregated). Seeds `BENCH_FLEET_PEERS` peers
 * (default 1,000,000) on the embedded store or PostgreSQL the way `npm run bench fleet-quality` does, then times, in one
 * process, the store's `qualityByGroup` for the bench's three-dimension cases and the bare read of their rows.
 * `node --import tsx bench/quick-three-dims.ts`; CPU per call is what to compare (the machine may be shared).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { seed } from './fleet-quality.ts';
import { openDatabase } from '../src/store/open-database.ts';
import {
  qualityByGroup,
  type GroupBy,
  type RollupFilters,
} from '../src/store/quality-rollups-read.ts';
import { sqliteAdapter } from '../src/store/sqlite/sqlite-adapter.ts';
import { postgresAdapter } from '../src/store/postgres/postgres-adapter.ts';

const DAY_MS = 86_400_000;
const accountId = 'acc';
const appId = 'app-three';
// KEEP_DIR=path (embedded store) or KEEP_PG_SCHEMA=name (PostgreSQL at BENCH_DATABASE_URL, default the local
// `test` database): seed there once and reuse it on later runs.
const pgSchema = process.env.KEEP_PG_SCHEMA;
const kept = process.env.KEEP_DIR;
const dir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'three-dims-'));
fs.mkdirSync(dir, { recursive: true });
let databaseUrl: string | undefined;
if (pgSchema) {
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`create schema if not exists ${pgSchema}`);
  await client.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${pgSchema}`);
  databaseUrl = url.toString();
}
const store = await openDatabase({ dataDir: dir, databaseUrl });
const seeded = await sql<{ n: number }>`select count(*) as n from peer_rollups`.execute(store.db);
await store.close();
if (Number(seeded.rows[0].n) === 0)
  console.error(`seeding: ${await seed(databaseUrl, dir, accountId, appId)} s`);
const opened = await openDatabase({ dataDir: dir, databaseUrl });
const { db, sqlite, pool } = opened;
const adapter = pool ? postgresAdapter(pool) : sqliteAdapter(sqlite!);
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

const cases: [string, number, GroupBy, RollupFilters, boolean?][] = [
  [
    '7 days, Chrome and Windows, by country',
    7,
    'country',
    { browser: ['Chrome'], os: ['Windows'] },
  ],
  [
    '7 days, Chrome and Windows, by asn, daily',
    7,
    'asn',
    { browser: ['Chrome'], os: ['Windows'] },
    true,
  ],
  ['7 days, Chrome and relay, by asn', 7, 'asn', { browser: ['Chrome'], network: ['relay-udp'] }],
  ['90 days, Chrome and Windows, by asn', 90, 'asn', { browser: ['Chrome'], os: ['Windows'] }],
];
for (const [name, days, groupBy, filters, daily] of cases) {
  const s = scope(days, filters);
  const [, second] = Object.entries(filters);
  const matched = await sql<{
    n: number;
  }>`select count(*) as n from peer_rollups where app_id = ${appId}
    and finished_at >= ${Date.parse(s.fromDay)} and finished_at < ${Date.parse(s.toDay) + DAY_MS}
    and browser = ${filters.browser![0]} and ${sql.ref(second[0])} = ${second[1]![0]}`.execute(db);
  console.log(`${name}: ${matched.rows[0].n} matching peers`);
  await time(`  qualityByGroup`, 20, () => qualityByGroup(db, adapter, s, groupBy, 50, daily));
}
await opened.close();
if (!kept) fs.rmSync(dir, { recursive: true, force: true });

/**
 * Developer aid for issue 15: the work behind each fleet-quality query, independent of the machine's load.
 * Seeds `BENCH_FLEET_PEERS` peers the way `npm run bench fleet-quality` does, runs the store's own query
 * functions (qualityByGroup, worstPeers) for the bench's cases, captures every SQL statement they issue and
 * prints its plan: PostgreSQL `EXPLAIN (ANALYZE, BUFFERS)` (actual rows read, buffers, time) or SQLite
 * `EXPLAIN QUERY PLAN`. `node --import tsx bench/quick-fleet-plans.ts` with env BENCH_FLEET_PEERS (default
 * 100,000) and `PG=postgres://…` for PostgreSQL (a fresh schema, dropped at the end).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type CompiledQuery as CQ,
} from 'kysely';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { seed } from './fleet-quality.ts';
import { openDatabase } from '../src/store/open-database.ts';
import {
  qualityByGroup,
  worstPeers,
  type GroupBy,
  type RollupFilters,
} from '../src/store/quality-rollups-read.ts';
import type { Database } from '../src/store/schema.ts';
import type { DialectAdapter } from '../src/store/dialect-adapter.ts';
import { postgresAdapter } from '../src/store/postgres/postgres-adapter.ts';
import { sqliteAdapter } from '../src/store/sqlite/sqlite-adapter.ts';
import { dropPostgresSchema, freshPostgresUrl } from '../test/support/postgres.ts';

const DAY_MS = 86_400_000;
const pgBase = process.env.PG;
const target = pgBase ? await freshPostgresUrl(pgBase) : undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-plans-'));
const accountId = 'acc';
const appId = 'app-plans';
// Migrations first, then the seeding.
await (await openDatabase({ dataDir: dir, databaseUrl: target?.url })).close();
console.error(`seeding: ${await seed(target?.url, dir, accountId, appId)} s`);

const captured: CQ[] = [];
const pool = target ? new pg.Pool({ connectionString: target.url, max: 1 }) : undefined;
const sqlite = target ? undefined : new SQLite(path.join(dir, 'peer-report.sqlite'));
const db = new Kysely<Database>({
  dialect: pool ? new PostgresDialect({ pool }) : new SqliteDialect({ database: sqlite! }),
  log: (e) => {
    if (e.level === 'query') captured.push(e.query);
  },
});
// Statements read as arrays bypass Kysely's log: captured here.
const backend = pool ? postgresAdapter(pool) : sqliteAdapter(sqlite!);
const adapter: DialectAdapter = {
  ...backend,
  selectArrays: (d, q) => {
    captured.push(q);
    return backend.selectArrays(d, q);
  },
};

const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
const scope = (days: number, filters: RollupFilters) => ({
  accountId,
  appId,
  fromDay: day((days - 1) * DAY_MS),
  toDay: day(0),
  filters,
});
const cases: [string, () => Promise<unknown>][] = [];
const group = (name: string, days: number, by: GroupBy, filters: RollupFilters = {}) =>
  cases.push([name, () => qualityByGroup(db, adapter, scope(days, filters), by, 50)]);
for (const by of ['day', 'hour', 'browser', 'os', 'country', 'asn', 'network'] as const) {
  group(`7 days by ${by}`, 7, by);
  group(`90 days by ${by}`, 90, by);
}
group('7 days, browser=Safari, by country', 7, 'country', { browser: ['Safari'] });
group('90 days, browser=Chrome, by asn', 90, 'asn', { browser: ['Chrome'] });
group('7 days, Chrome and Windows, by country (3 dimensions)', 7, 'country', {
  browser: ['Chrome'],
  os: ['Windows'],
});
group('90 days, Chrome and Windows, by asn (3 dimensions)', 90, 'asn', {
  browser: ['Chrome'],
  os: ['Windows'],
});
const peers = (name: string, days: number, extra: Partial<Parameters<typeof worstPeers>[2]>) =>
  cases.push([
    name,
    () =>
      worstPeers(db, target ? 'postgres' : 'sqlite', {
        ...scope(days, {}),
        verdicts: [],
        offset: 0,
        limit: 25,
        ...extra,
      }),
  ]);
peers('peers, 7 days', 7, {});
peers('peers, 7 days, page 20', 7, { offset: 19 * 25 });
peers('peers, verdict=bad kind=packet_loss', 7, { verdicts: ['bad'], kind: 'packet_loss' });
peers('peers, browser=Chrome', 7, { filters: { browser: ['Chrome'] } });
peers('peers, browser=Edge verdict=good', 7, {
  filters: { browser: ['Edge'] },
  verdicts: ['good'],
});

for (const [name, run] of cases) {
  captured.length = 0;
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const statements = [...captured];
  console.log(`\n## ${name} (${statements.length} statements, ${ms.toFixed(1)} ms)`);
  // Planner settings a query runs under (the PostgreSQL walk's `set_config(…, true)`): explained under them too.
  const settings: string[] = [];
  for (const q of statements) {
    if (/^(begin|commit|rollback)\b/i.test(q.sql)) continue;
    if (/^(set local |select set_config\()/i.test(q.sql)) {
      settings.push(q.sql);
      continue;
    }
    console.log(
      `\n${settings.join('; ')}${settings.length ? '; ' : ''}${q.sql.replace(/\s+/g, ' ').slice(0, 400)}`,
    );
    const explain = target
      ? `explain (analyze, buffers, costs off) ${q.sql}`
      : `explain query plan ${q.sql}`;
    const { rows } = await db.transaction().execute(async (tx) => {
      for (const setting of settings) await tx.executeQuery(CompiledQuery.raw(setting));
      return tx.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(explain, [...q.parameters]),
      );
    });
    settings.length = 0;
    for (const r of rows)
      console.log(`  ${target ? String(r['QUERY PLAN']) : `${String(r.detail)}`}`);
  }
}
await db.destroy();
if (target && pgBase) await dropPostgresSchema(pgBase, target.schema);
fs.rmSync(dir, { recursive: true, force: true });

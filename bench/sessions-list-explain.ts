/**
 * Developer aid for issue 16 target 5: the statements one sessions listing runs, with their plans and work, on a
 * store kept by `KEEP=1 npm run bench sessions-list` — SQLite `EXPLAIN QUERY PLAN` and the CPU of one more run
 * of each statement, PostgreSQL `EXPLAIN (ANALYZE, BUFFERS)` (rows and pages read) — and the listing's own time
 * in process, so the figures can be rerun on a quiet machine.
 *
 * `SQLITE_DIR=… APP_ID=… node --import tsx bench/sessions-list-explain.ts` or
 * `PG_URL=… APP_ID=… node --import tsx bench/sessions-list-explain.ts`; `QUERIES=name,…` selects the listings.
 */
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery } from 'kysely';
import type { Database } from '../src/store/schema.ts';
import { listSessions, type SessionListQuery } from '../src/store/sessions-query.ts';

const DAY = 86_400_000;
const ACCOUNT = 'benchaccount';
const appId = process.env.APP_ID!;
const now = Date.now();
const weekAgo = now - 7 * DAY;
const base: SessionListQuery = {
  accountId: ACCOUNT,
  appId,
  sortBy: 'createdAt',
  sortOrder: 'desc',
  offset: 0,
  limit: 20,
};
const QUERIES: Record<string, Partial<SessionListQuery>> = {
  default_newest_first: {},
  status_live: { status: 'LIVE' },
  last_week: { startTime: weekAgo },
  older_than_a_week: { endTime: weekAgo },
  last_week_oldest_first: { startTime: weekAgo, sortOrder: 'asc' },
  a_month_page_5: { startTime: now - 37 * DAY, endTime: weekAgo, offset: 80 },
  ended_last_week: { status: 'ENDED', startTime: weekAgo },
  search_title_part: { search: 'ting 12' },
  search_title_many: { search: 'meeting 1' },
};

const wanted = process.env.QUERIES?.split(',') ?? Object.keys(QUERIES);
const captured: CompiledQuery[] = [];
const log = (e: { level: string; query: CompiledQuery }) => {
  if (e.level === 'query') captured.push(e.query);
};

if (process.env.SQLITE_DIR) {
  const sqlite = new SQLite(path.join(process.env.SQLITE_DIR, 'peer-report.sqlite'), {
    readonly: true,
  });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log });
  for (const name of wanted) {
    const q = { ...base, ...QUERIES[name] };
    await listSessions(db, q, 'sqlite'); // warm
    captured.length = 0;
    const c0 = process.cpuUsage();
    const n = 10;
    for (let i = 0; i < n; i++) await listSessions(db, q, 'sqlite');
    const c = process.cpuUsage(c0);
    console.log(`\n## ${name}: ${((c.user + c.system) / 1000 / n).toFixed(2)} ms CPU per listing`);
    for (const stmt of captured.slice(0, captured.length / n)) {
      const params = stmt.parameters as unknown[];
      const plan = sqlite.prepare(`EXPLAIN QUERY PLAN ${stmt.sql}`).all(...params) as {
        detail: string;
      }[];
      const run = sqlite.prepare(stmt.sql);
      const t0 = process.cpuUsage();
      if (run.reader) run.all(...params);
      else run.run(...params);
      const t = process.cpuUsage(t0);
      console.log(`- ${stmt.sql.slice(0, 400)}`);
      console.log(`  params ${JSON.stringify(params).slice(0, 200)}`);
      console.log(
        `  ${((t.user + t.system) / 1000).toFixed(2)} ms; plan: ${plan.map((p) => p.detail).join(' | ')}`,
      );
    }
  }
  sqlite.close();
} else {
  const pool = new pg.Pool({ connectionString: process.env.PG_URL, max: 1 });
  pg.types.setTypeParser(20, (v) => Number(v));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  for (const name of wanted) {
    const q = { ...base, ...QUERIES[name] };
    await listSessions(db, q, 'postgres');
    captured.length = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const n = 10;
    for (let i = 0; i < n; i++) await listSessions(db, q, 'postgres');
    const c = process.cpuUsage(c0);
    console.log(
      `\n## ${name}: ${((performance.now() - t0) / n).toFixed(2)} ms wall, ${((c.user + c.system) / 1000 / n).toFixed(2)} ms client CPU per listing`,
    );
    for (const stmt of captured.slice(0, captured.length / n)) {
      const { rows } = await pool.query(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${stmt.sql}`,
        stmt.parameters as unknown[],
      );
      console.log(`- ${stmt.sql.slice(0, 400)}`);
      for (const r of rows) console.log(`  ${r['QUERY PLAN']}`);
    }
  }
  await pool.end();
}

/**
 * Issue 16 target 5: every filter and sort of an app's sessions listing in
 * p50 ≤ 20 ms at 100,000 sessions (≤ 50 ms at 1,000,000), on both stores.
 * The sessions are seeded straight into the database in random time order
 * (as calls of many tenants end in any order), next to other tenants' sessions;
 * then each query is timed over HTTP against a `peer-report serve` process, and
 * the server's CPU per request is read from /proc (the machine is shared: CPU
 * time is steadier than wall time).
 *
 * Options (environment): `SESSIONS` (default 100000), `STORES` (`sqlite,postgres`), `REQUESTS` (60);
 * `KEEP=1` keeps the seeded stores, `SQLITE_DIR`, `PG_URL` and `APP_ID` measure kept ones again.
 * Run alone: `node --import tsx bench/sessions-list.ts`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { startBenchServer, pct, round, processCpuSeconds, type BenchServer } from './support.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../test/support/postgres.ts';
import { DAY_MS } from '../src/store/migrations/034-session-counts.ts';

const PG_BASE_URL =
  process.env.PEER_REPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MEETINGS = 1000;
/** Other tenants' sessions, on top of the measured app's. */
const OTHER_TENANTS = 20;
const DAY = 86400_000;
/** The seeded live peers are not heard from: keep the sweeper from ending their sessions while measuring. */
const BENCH_ENV = { PEER_REPORT_PEER_TIMEOUT_MS: String(30 * 86400_000) };

/** A deterministic pseudo-random generator (mulberry32), so both stores get the same data. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hexId = (prefix: number, n: number) => {
  const h = (prefix.toString(16).padStart(4, '0') + n.toString(16).padStart(28, '0')).slice(0, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
};

interface SeedRow {
  session: unknown[];
  livePeer?: unknown[];
}

/** Rows of one tenant's sessions in random time order: 1 % live, the rest ended over the last year. */
function* sessionRows(
  tenant: number,
  accountId: string,
  appId: string,
  count: number,
  now: number,
): Generator<SeedRow> {
  const rand = rng(tenant + 1);
  for (let i = 0; i < count; i++) {
    const meeting = hexId(tenant * 2 + 1, Math.floor(rand() * MEETINGS));
    const id = hexId(tenant * 2 + 2, i);
    const live = rand() < 0.01;
    const t0 = live ? now - Math.floor(rand() * 3600_000) : now - Math.floor(rand() * 365 * DAY);
    const minutes = live ? 0 : 5 + Math.floor(rand() * 300);
    const ended = live ? null : t0 + minutes * 60_000;
    yield {
      session: [
        id,
        accountId,
        appId,
        meeting,
        live ? 'LIVE' : 'ENDED',
        t0,
        ended,
        live ? 2 : 0,
        4,
        minutes,
        t0,
        ended ?? t0,
      ],
      livePeer: live
        ? [hexId(tenant * 2 + 9, i), accountId, appId, meeting, id, t0, t0]
        : undefined,
    };
  }
}

interface Tenant {
  accountId: string;
  appId: string;
  sessions: number;
}

function tenantsOf(s: BenchServer, sessions: number): Tenant[] {
  const others = Array.from({ length: OTHER_TENANTS }, (_, i) => ({
    accountId: `other${i}`,
    appId: hexId(0xfff0, i),
    sessions: Math.floor(sessions / 2 / OTHER_TENANTS),
  }));
  return [{ accountId: s.accountId, appId: s.appId, sessions }, ...others];
}

const SESSION_COLUMNS =
  'id, account_id, app_id, meeting_id, status, started_at, ended_at, live_participants, max_concurrent_participants, minutes_consumed, created_at, updated_at';
const PEER_COLUMNS =
  'id, account_id, app_id, meeting_id, session_id, participant_id, status, joined_at, left_at, last_seen_at, leave_reason, client, ip_info, precall, source, created_at, updated_at';

/** The per-status-and-day and per-meeting totals of migrations 034 and 056, recomputed from `sessions` (their own fill statements). */
const REBUILD_COUNTS = [
  'delete from session_counts',
  `insert into session_counts (account_id, app_id, status, day, n) select account_id, app_id, status, started_at / ${DAY_MS}, count(*) from sessions group by account_id, app_id, status, started_at / ${DAY_MS}`,
  'delete from meeting_session_counts',
  'insert into meeting_session_counts (account_id, app_id, meeting_id, status, n) select account_id, app_id, meeting_id, status, count(*) from sessions group by account_id, app_id, meeting_id, status',
];

/**
 * Bulk load as a restore would do it, so 1,500,000 rows seed in a minute or two rather than hours: the
 * sessions' secondary indexes and count triggers are dropped, the rows inserted (in random time order, as before),
 * then the indexes are rebuilt from their own definitions, the totals recomputed and the triggers put back.
 */
function seedSqlite(dataDir: string, tenants: Tenant[], now: number): void {
  const db = new SQLite(path.join(dataDir, 'peer-report.sqlite'));
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -1000000');
  db.pragma('synchronous = OFF');
  const schemaSql = (type: string) =>
    db
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = ? AND tbl_name = 'sessions' AND sql IS NOT NULL`,
      )
      .all(type) as { name: string; sql: string }[];
  const indexes = schemaSql('index');
  const triggers = schemaSql('trigger');
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
  const insMeeting = db.prepare(
    'INSERT INTO meetings (id, account_id, app_id, title, status, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insSession = db.prepare(
    `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insPeer = db.prepare(
    `INSERT INTO peers (${PEER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'live', ?, NULL, ?, NULL, '{}', NULL, NULL, 'live', ?, ?)`,
  );
  tenants.forEach((t, k) => {
    db.transaction(() => {
      for (let m = 0; m < MEETINGS; m++)
        insMeeting.run(
          hexId(k * 2 + 1, m),
          t.accountId,
          t.appId,
          `Meeting ${m}`,
          'ACTIVE',
          '{}',
          now - 400 * DAY,
          now,
        );
    })();
    let rows: SeedRow[] = [];
    const flush = () => {
      db.transaction(() => {
        for (const r of rows) {
          insSession.run(...r.session);
          if (r.livePeer)
            insPeer.run(
              ...r.livePeer.slice(0, 5),
              r.livePeer[0],
              r.livePeer[5],
              r.livePeer[6],
              r.livePeer[6],
              r.livePeer[6],
            );
        }
      })();
      rows = [];
    };
    for (const r of sessionRows(k, t.accountId, t.appId, t.sessions, now)) {
      rows.push(r);
      if (rows.length === 50_000) flush();
    }
    flush();
  });
  db.transaction(() => {
    for (const i of indexes) db.exec(i.sql);
    for (const q of REBUILD_COUNTS) db.exec(q);
    for (const t of triggers) db.exec(t.sql);
  })();
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

async function seedPostgres(url: string, tenants: Tenant[], now: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // As the SQLite seeding: secondary indexes dropped and rebuilt, count triggers off (a superuser's
    // `session_replication_role`) and the totals recomputed after.
    const { rows: indexes } = await client.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'sessions' AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'sessions'::regclass)`,
    );
    for (const i of indexes) await client.query(`DROP INDEX ${i.name}`);
    await client.query('SET session_replication_role = replica');
    await client.query('SET synchronous_commit = off');
    /** Sessions through one `unnest` of column arrays per 20,000 rows (multi-row VALUES stop at 65,535 parameters). */
    const insertSessions = async (rows: unknown[][]) => {
      if (rows.length === 0) return;
      const types = [
        'text',
        'text',
        'text',
        'text',
        'text',
        'int8',
        'int8',
        'int4',
        'int4',
        'float8',
        'int8',
        'int8',
      ];
      const columns = types.map((_, c) => rows.map((r) => r[c]));
      await client.query(
        `INSERT INTO sessions (${SESSION_COLUMNS}) SELECT * FROM unnest(${types.map((t, c) => `$${c + 1}::${t}[]`).join(', ')})`,
        columns,
      );
    };
    const insertMany = async (table: string, columns: string, rows: unknown[][]) => {
      if (rows.length === 0) return;
      const width = rows[0].length;
      const params = rows.flat();
      const values = rows
        .map(
          (_, r) =>
            `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`,
        )
        .join(', ');
      await client.query(`INSERT INTO ${table} (${columns}) VALUES ${values}`, params);
    };
    for (const [k, t] of tenants.entries()) {
      const meetings = Array.from({ length: MEETINGS }, (_, m) => [
        hexId(k * 2 + 1, m),
        t.accountId,
        t.appId,
        `Meeting ${m}`,
        'ACTIVE',
        '{}',
        now - 400 * DAY,
        now,
      ]);
      for (let i = 0; i < meetings.length; i += 2000)
        await insertMany(
          'meetings',
          'id, account_id, app_id, title, status, config, created_at, updated_at',
          meetings.slice(i, i + 2000),
        );
      let sessions: unknown[][] = [];
      let peers: unknown[][] = [];
      const flush = async () => {
        await insertSessions(sessions);
        await insertMany(
          'peers',
          'id, account_id, app_id, meeting_id, session_id, joined_at, last_seen_at, participant_id, status, client, source, created_at, updated_at',
          peers,
        );
        sessions = [];
        peers = [];
      };
      for (const r of sessionRows(k, t.accountId, t.appId, t.sessions, now)) {
        sessions.push(r.session);
        if (r.livePeer)
          peers.push([
            ...r.livePeer,
            r.livePeer[0],
            'live',
            '{}',
            'live',
            r.livePeer[6],
            r.livePeer[6],
          ]);
        if (sessions.length === 20_000) await flush();
      }
      await flush();
    }
    await client.query('SET session_replication_role = DEFAULT');
    await client.query(`SET maintenance_work_mem = '256MB'`);
    for (const i of indexes) await client.query(i.def);
    await client.query('BEGIN');
    for (const q of REBUILD_COUNTS) await client.query(q);
    await client.query('COMMIT');
    // What autovacuum does after a bulk load: statistics and the visibility map (index-only scans).
    await client.query('VACUUM ANALYZE sessions');
    await client.query('VACUUM ANALYZE meetings');
    await client.query('VACUUM ANALYZE peers');
  } finally {
    await client.end();
  }
}

function get(
  url: string,
  token: string,
  agent: http.Agent,
): Promise<{ status: number; ms: number; text: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      })
      .on('error', reject);
  });
}

/** p50/p99 over `n` requests, the server's CPU per request, and the listing's total. */
async function timeUrl(s: BenchServer, url: string, n: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 5; i++) await get(url, s.token, agent);
  const times: number[] = [];
  let text = '';
  const cpu0 = processCpuSeconds(s.child.pid!);
  for (let i = 0; i < n; i++) {
    const r = await get(url, s.token, agent);
    if (r.status !== 200) throw new Error(`listing failed: ${r.status} ${r.text.slice(0, 200)}`);
    times.push(r.ms);
    text = r.text;
  }
  const cpuMs = ((processCpuSeconds(s.child.pid!) - cpu0) * 1000) / n;
  agent.destroy();
  const body = JSON.parse(text) as {
    paging: { total_count: number };
    data: { sessions: unknown[] };
  };
  return {
    p50Ms: round(pct(times, 50)),
    p99Ms: round(pct(times, 99)),
    serverCpuMsPerRequest: round(cpuMs),
    total: body.paging.total_count,
    rows: body.data.sessions.length,
  };
}

/** Every filter and sort of the listing, timed. */
async function measure(s: BenchServer, n: number, expected: number) {
  // A kept store's measured app is the one it was seeded with (APP_ID), not the one the server start created.
  const appId = process.env.APP_ID ?? s.appId;
  if (process.env.KEEP) console.error(`measured app: APP_ID=${appId}`);
  const base = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${appId}/sessions`;
  const weekAgo = new Date(Date.now() - 7 * DAY).toISOString();
  const q = (query: string) => timeUrl(s, `${base}${query}`, n);
  const all = await q('');
  // The seeding rebuilt the stored totals itself: the listing must count exactly what was inserted.
  if (all.total !== expected)
    throw new Error(`total_count ${all.total} after seeding ${expected} sessions`);
  return {
    default_newest_first: await q(''),
    per_page_100: await q('?per_page=100'),
    page_50: await q('?page_no=50'),
    created_asc: await q('?sort_order=ASC'),
    minutes_desc: await q('?sort_by=minutesConsumed&sort_order=DESC'),
    minutes_asc: await q('?sort_by=minutesConsumed&sort_order=ASC'),
    status_live: await q('?status=LIVE'),
    status_live_by_minutes: await q('?status=LIVE&sort_by=minutesConsumed'),
    status_ended: await q('?status=ENDED'),
    status_ended_by_minutes: await q('?status=ENDED&sort_by=minutesConsumed&sort_order=ASC'),
    last_week: await q(`?start_time=${weekAgo}`),
    ended_last_week: await q(`?status=ENDED&start_time=${weekAgo}`),
    older_than_a_week: await q(`?end_time=${weekAgo}`),
    // The matches at the far end of the sort order: a bounded walk finds too few, the start-time index answers.
    last_week_oldest_first: await q(`?start_time=${weekAgo}&sort_order=ASC`),
    last_week_by_minutes: await q(`?start_time=${weekAgo}&sort_by=minutesConsumed`),
    a_month_page_5: await q(
      `?start_time=${new Date(Date.now() - 37 * DAY).toISOString()}&end_time=${weekAgo}&page_no=5`,
    ),
    one_meeting: await q(`?associated_id=${hexId(1, 999)}`),
    search_title: await q('?search=Meeting%20999'),
    search_title_part: await q('?search=ting%2012'),
    search_title_many: await q('?search=meeting%201'),
    search_title_many_oldest_first: await q('?search=meeting%201&sort_order=ASC'),
    search_session_id: await q(`?search=${hexId(2, 4242)}`),
    search_no_match: await q('?search=nothing-like-this'),
  };
}

/** Seeds the sessions into each store and times every filter and sort. */
export async function benchSessionsList(): Promise<Record<string, unknown>> {
  const sessions = Number(process.env.SESSIONS ?? 100_000);
  const stores = (process.env.STORES ?? 'sqlite,postgres').split(',');
  const requests = Number(process.env.REQUESTS ?? 60);
  const out: Record<string, unknown> = {
    sessions,
    other_tenants_sessions: Math.floor(sessions / 2 / OTHER_TENANTS) * OTHER_TENANTS,
    inserted: 'random time order',
  };
  const now = Date.now();
  // KEEP=1: the seeded stores stay (the SQLite data directory and the PostgreSQL schema are printed), to rerun
  // or EXPLAIN the queries against them (`SQLITE_DIR` / `PG_URL` below skip the seeding).
  const keep = Boolean(process.env.KEEP);
  if (stores.includes('sqlite')) {
    const keptDir =
      process.env.SQLITE_DIR ??
      (keep ? fs.mkdtempSync(path.join(os.tmpdir(), 'sessions-1m-')) : undefined);
    const s = await startBenchServer(BENCH_ENV, keptDir);
    try {
      const t0 = performance.now();
      if (!process.env.SQLITE_DIR) seedSqlite(s.dataDir, tenantsOf(s, sessions), now);
      if (keep) console.error(`kept SQLite data directory ${s.dataDir}`);
      out.sqlite = {
        seed_seconds: round((performance.now() - t0) / 1000, 1),
        ...(await measure(s, requests, sessions)),
      };
    } finally {
      await s.stop();
    }
  }
  if (stores.includes('postgres')) {
    const { url, schema } = process.env.PG_URL
      ? { url: process.env.PG_URL, schema: '' }
      : await freshPostgresUrl(PG_BASE_URL);
    try {
      const s = await startBenchServer({ ...BENCH_ENV, DATABASE_URL: url });
      try {
        const t0 = performance.now();
        if (!process.env.PG_URL) await seedPostgres(url, tenantsOf(s, sessions), now);
        if (keep) console.error(`kept PostgreSQL schema: PG_URL='${url}'`);
        out.postgres = {
          seed_seconds: round((performance.now() - t0) / 1000, 1),
          ...(await measure(s, requests, sessions)),
        };
      } finally {
        await s.stop();
      }
    } finally {
      if (!keep && !process.env.PG_URL) await dropPostgresSchema(PG_BASE_URL, schema);
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchSessionsList(), null, 2));
}

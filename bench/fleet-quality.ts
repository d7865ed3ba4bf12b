/**
 * Issue 15 targets: with 1,000,000 finished peers over 90 days in one app,
 * the 7-day overview and any `group_by` answer p50 ≤ 50 ms / p99 ≤ 150 ms,
 * the peers query ≤ 50 ms, on the embedded store and on PostgreSQL; keeping
 * the rollups adds ≤ 5 % to ingest CPU.
 *
 * Seeding: the peers' rollups are computed by the store's own code
 * (`peerRollupOf` from per-interval rows and a seeded verdict and issue kinds
 * standing for the diagnosis compaction stores first) and stored by
 * the bulk loader (`RollupBulkLoader`: rows inserted, bucket and cell sums
 * written once each, a window of 20,000 peers a transaction), straight into the database of a running `peer-report serve` process, the
 * way real data arrives: out of order (peers finishing up to 2 days late,
 * shuffled), interleaved with 20 other tenants (10 % more peers). Queries are
 * then timed over HTTP (keep-alive, one at a time).
 *
 * Ingest CPU, in the same run on the same store: the server's CPU (and its
 * PostgreSQL backends') for the ingest of 20 peers of 30 minutes at 60 s
 * batches, against the CPU of one finished peer's rollup as compaction does
 * it (`peerRollupOf` over the metric rows of a 30-minute call, 4 streams, plus
 * `storePeerRollup` in its own transaction, and this process's backend), over
 * 300 peers.
 *
 * `BENCH_FLEET_PEERS` (default 1,000,000) and `BENCH_FLEET_STORES`
 * (`sqlite,postgres`) tune a run; PostgreSQL at `BENCH_DATABASE_URL`
 * (default postgres://postgres@127.0.0.1:5432/test, a fresh schema).
 */
import http from 'node:http';
import os from 'node:os';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { startBenchServer, pct, round, type BenchServer } from './support.ts';
import { ingestRun } from './ingest-report.ts';
import { backendPids, processCpuMs } from './process-cpu.ts';
import { openDatabase } from '../src/store/open-database.ts';
import { storePeerRollup } from '../src/store/quality-rollups.ts';
import { RollupBulkLoader } from '../src/store/rollup-bulk-load.ts';
import { peerRollupOf, type PeerRollup } from '../src/rollup/peer-rollup.ts';
import type { IssueKind, RollupDiagnosis } from '../src/rollup/rollup-diagnosis.ts';
import { seededRandom } from '../src/simulate/seeded-random.ts';
import type { MetricRow } from '../src/analytics/metric-row.ts';
import type { CandidatePairSample } from '../src/model/telemetry.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../test/support/postgres.ts';

const PEERS = Number(process.env.BENCH_FLEET_PEERS ?? 1_000_000);
const DAYS = 90;
const DAY_MS = 86_400_000;
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const BROWSERS = ['Chrome', 'Chrome', 'Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet'];
const OSES = ['Windows', 'Windows', 'macOS', 'Android', 'iOS', 'Linux'];
const COUNTRIES = Array.from({ length: 40 }, (_, i) =>
  String.fromCharCode(65 + (i % 26), 65 + Math.floor(i / 26) * 7),
);
const ASNS = Array.from({ length: 400 }, (_, i) => `AS${1000 + i * 37}`);
const PAIRS: (CandidatePairSample | undefined)[] = [
  undefined,
  {
    ts: 0,
    pc: 'p',
    id: 'c',
    local: { candidate_type: 'host', protocol: 'udp', network_type: 'wifi' },
  },
  { ts: 0, pc: 'p', id: 'c', local: { candidate_type: 'srflx', protocol: 'udp' } },
  {
    ts: 0,
    pc: 'p',
    id: 'c',
    local: { candidate_type: 'relay', protocol: 'udp', relay_protocol: 'udp' },
  },
  {
    ts: 0,
    pc: 'p',
    id: 'c',
    local: { candidate_type: 'relay', protocol: 'udp', relay_protocol: 'tcp' },
  },
  {
    ts: 0,
    pc: 'p',
    id: 'c',
    local: {
      candidate_type: 'relay',
      protocol: 'udp',
      relay_protocol: 'tls',
      network_type: 'cellular',
    },
  },
];

/** A peer's metric rows: `n` intervals per stream of audio and video, both directions. */
export function rowsOf(
  rnd: () => number,
  n: number,
  quality: number,
  t0: number,
): Map<string, MetricRow[]> {
  const rows = new Map<string, MetricRow[]>();
  const series = (mos: boolean, loss: boolean, rtt: boolean, jit: boolean, base: number) =>
    Array.from({ length: n }, (_, i): MetricRow => ({
      t: t0 + (i + 1) * 2000,
      d: 2,
      ...(mos ? { mos: Math.max(1, Math.min(4.6, base + (rnd() - 0.5))) } : {}),
      ...(loss ? { loss: Math.max(0, (1 - quality) * 10 * rnd() * 2) } : {}),
      ...(rtt ? { rtt: 20 + (1 - quality) * 400 * rnd() * 2 } : {}),
      ...(jit ? { jit: 1 + (1 - quality) * 40 * rnd() } : {}),
    }));
  rows.set('audio_consumer', series(true, true, false, true, 1.4 + quality * 3.2));
  rows.set('audio_producer', series(true, false, true, false, 1.4 + quality * 3.2));
  rows.set('video_consumer', series(true, true, false, true, 1.2 + quality * 3.4));
  rows.set('video_producer', series(true, false, true, false, 1.2 + quality * 3.4));
  return rows;
}

/** A finished peer of `appId`, finishing on day `day` (0 = 89 days ago). */
export function makeRollup(
  rnd: () => number,
  accountId: string,
  appId: string,
  now: number,
  day: number,
  rowsPerStream = 3,
): PeerRollup {
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  // ASNs and countries skewed (a few large ISPs, a long tail).
  const skew = <T>(a: readonly T[]) => a[Math.floor(a.length * rnd() ** 3)];
  const dayStart = Math.floor(now / DAY_MS) * DAY_MS - (DAYS - 1 - day) * DAY_MS;
  const leftAt = Math.min(now - 1000, dayStart + Math.floor(rnd() * DAY_MS));
  const minutes = 1 + Math.floor(rnd() * 60);
  const quality = rnd() ** 0.5;
  const client = JSON.stringify({
    browser_metadata: { browser: pick(BROWSERS) },
    device_info: { os: pick(OSES) },
  });
  const ip = JSON.stringify({ country: skew(COUNTRIES), asn: { asn: skew(ASNS) } });
  return peerRollupOf(
    {
      id: randomUUID(),
      account_id: accountId,
      app_id: appId,
      session_id: randomUUID(),
      joined_at: leftAt - minutes * 60_000,
      left_at: leftAt,
      client,
      ip_info: ip,
    },
    rowsOf(rnd, rowsPerStream, quality, leftAt - minutes * 60_000),
    pick(PAIRS),
    seededDiagnosis(rnd, quality),
  );
}

/** Issue kinds the seeded diagnoses pick from (the engine's most common). */
const SEED_KINDS: IssueKind[] = [
  'packet_loss',
  'high_rtt',
  'jitter',
  'bandwidth_limited',
  'video_freeze',
  'relay_over_tcp',
];

/** A verdict following the peer's quality (0 worst … 1 best) and one or two issue kinds when not good. */
function seededDiagnosis(rnd: () => number, quality: number): RollupDiagnosis {
  const verdict = quality > 0.7 ? 'good' : quality > 0.5 ? 'fair' : quality > 0.3 ? 'poor' : 'bad';
  if (verdict === 'good') return { verdict, kinds: [] };
  const kinds = [SEED_KINDS[Math.floor(rnd() * SEED_KINDS.length)]];
  if (rnd() < 0.4) kinds.push(SEED_KINDS[Math.floor(rnd() * SEED_KINDS.length)]);
  return { verdict, kinds };
}

/**
 * Seeds PEERS peers of the app plus 10 % of 20 other tenants, out of order, 20,000 a transaction, through the
 * bulk loader (rollup-bulk-load.ts: peer rows inserted as they come, buckets and cells summed in memory and each
 * written once its days are past; test/storage/rollup-bulk-load.test.ts checks it stores what the one-by-one
 * writer does). Returns seconds.
 */
export async function seed(
  dbUrl: string | undefined,
  dataDir: string,
  accountId: string,
  appId: string,
): Promise<number> {
  const store = await openDatabase({ dataDir, databaseUrl: dbUrl });
  const rnd = seededRandom(15);
  const now = Date.now();
  const others = Array.from({ length: 20 }, (_, i) => ({
    accountId: `tenant${i}`,
    appId: randomUUID(),
  }));
  const started = performance.now();
  const perDay = PEERS / DAYS;
  const WINDOW = 20_000;
  const loader = new RollupBulkLoader(store.dialect, now);
  const firstDay = Math.floor(now / DAY_MS) * DAY_MS - (DAYS - 1) * DAY_MS;
  let pending: PeerRollup[] = [];
  const flush = async (nextDay: number | undefined) => {
    // Out of order: a window of ~2 days of finishes, shuffled.
    for (let i = pending.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [pending[i], pending[j]] = [pending[j], pending[i]];
    }
    const part = pending;
    // Later peers finish on `nextDay` or up to 2 days before it: the buckets of earlier days are complete.
    const before =
      nextDay === undefined
        ? undefined
        : new Date(firstDay + (nextDay - 2) * DAY_MS).toISOString().slice(0, 10);
    await store.db.transaction().execute(async (tx) => {
      await loader.add(tx, part);
      await loader.flush(tx, before);
    });
    pending = [];
  };
  for (let i = 0; i < PEERS; i++) {
    // Finishing day, late by up to 2 days now and then.
    const day = Math.min(DAYS - 1, Math.floor(i / perDay));
    const late = rnd() < 0.05 ? Math.max(0, day - 1 - Math.floor(rnd() * 2)) : day;
    pending.push(makeRollup(rnd, accountId, appId, now, late));
    if (rnd() < 0.1) {
      const o = others[Math.floor(rnd() * others.length)];
      pending.push(makeRollup(rnd, o.accountId, o.appId, now, late));
    }
    if (pending.length >= WINDOW) await flush(day);
    if (i % 100_000 === 99_999)
      console.error(
        `  seeded ${i + 1} peers (${round((performance.now() - started) / 1000, 1)} s, load ${os
          .loadavg()
          .map((v) => round(v, 1))
          .join(' ')})`,
      );
  }
  await flush(undefined);
  // PostgreSQL's planner statistics and visibility map, as autovacuum would have them on a server that filled up
  // over days (without the map, the peers query's index-only walk fetches every heap row it passes).
  if (store.dialect === 'postgres') await sql`vacuum analyze`.execute(store.db);
  await store.close();
  return (performance.now() - started) / 1000;
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
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, text }),
        );
      })
      .on('error', reject);
  });
}

/**
 * Wall p50/p99/max of `reps` requests, and the CPU per request of the server
 * process (which includes SQLite's work) and of the PostgreSQL backends
 * serving it (`cpuPids`, besides the server).
 */
async function timeQuery(
  url: string,
  token: string,
  agent: http.Agent,
  cpuPids: { server: number; database: number[] },
  reps = 40,
): Promise<Record<string, number>> {
  for (let i = 0; i < 3; i++) {
    const r = await get(url, token, agent);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  const dbCpu = () => cpuPids.database.reduce((n, pid) => n + processCpuMs(pid), 0);
  const server0 = processCpuMs(cpuPids.server);
  const db0 = dbCpu();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push((await get(url, token, agent)).ms);
  const serverCpu = (processCpuMs(cpuPids.server) - server0) / reps;
  const databaseCpu = (dbCpu() - db0) / reps;
  return {
    p50: round(pct(ms, 50), 1),
    p99: round(pct(ms, 99), 1),
    max: round(Math.max(...ms), 1),
    cpu_ms: round(serverCpu + databaseCpu, 1),
    ...(cpuPids.database.length > 0 ? { database_cpu_ms: round(databaseCpu, 1) } : {}),
  };
}

/**
 * Rollup maintenance against ingest, CPU in the same run on the same store: (1) the ingest of 30-minute peers
 * (60 s batches) through the server, the server process's CPU plus, on PostgreSQL, its backends'; (2) one
 * finished 30-minute peer's rollup as compaction does it: `peerRollupOf` over its metric rows (4 streams × 900
 * intervals) and `storePeerRollup` in its own transaction, over `n` peers, in this process, plus on PostgreSQL
 * the CPU of this process's backend. The share is (2) ÷ (1) per peer: what the rollups add to a peer's ingest.
 */
async function rollupCpu(
  s: BenchServer,
  dbUrl: string | undefined,
  n = 300,
): Promise<Record<string, number>> {
  // (1) Ingest without the rollup: 20 peers of 30 minutes (they stay joined, so nothing is compacted or rolled up).
  const ingestPeers = 20;
  const serverDb = dbUrl ? await backendPids(BASE_URL, s.child.pid!) : [];
  const db0 = new Map(serverDb.map((pid) => [pid, processCpuMs(pid)]));
  const ingest = await ingestRun(s, {
    peers: ingestPeers,
    minutes: 30,
    batchSeconds: 60,
    concurrency: ingestPeers,
  });
  // Backends the pool opened during the run count from their start (all their CPU is this run's).
  const serverDbAfter = dbUrl ? await backendPids(BASE_URL, s.child.pid!) : [];
  const ingestDbMs = serverDbAfter.reduce(
    (t, pid) => t + processCpuMs(pid) - (db0.get(pid) ?? 0),
    0,
  );
  const ingestServerMs = (ingest.serverCpuMsPerRequest * ingest.requests) / ingestPeers;
  const ingestMs = ingestServerMs + ingestDbMs / ingestPeers;

  // (2) The rollup of a finished peer.
  const store = await openDatabase({ dataDir: s.dataDir, databaseUrl: dbUrl });
  const rnd = seededRandom(99);
  const now = Date.now();
  // Today's buckets as full as at 1,000,000 peers over 90 days (their size is what a peer's rollup rewrites).
  const topUp = Math.max(0, Math.round(1_000_000 / DAYS - PEERS / DAYS));
  if (topUp > 0) {
    const loader = new RollupBulkLoader(store.dialect, now);
    const part = Array.from({ length: topUp }, () =>
      makeRollup(rnd, s.accountId, s.appId, now, DAYS - 1),
    );
    await store.db.transaction().execute(async (tx) => {
      await loader.add(tx, part);
      await loader.flush(tx);
    });
  }
  await sql`select 1`.execute(store.db);
  const ownDb = dbUrl ? await backendPids(BASE_URL, process.pid) : [];
  const ownDbMs = () => ownDb.reduce((t, pid) => t + processCpuMs(pid), 0);
  const rows = Array.from({ length: n }, () => rowsOf(rnd, 900, rnd(), now - 1_800_000));
  const peers = Array.from({ length: n }, () =>
    makeRollup(rnd, s.accountId, s.appId, now, DAYS - 1),
  );
  const cpu0 = process.cpuUsage();
  const pure = rows.map((r, i) =>
    peerRollupOf(
      {
        id: peers[i].peer_id,
        account_id: s.accountId,
        app_id: s.appId,
        session_id: peers[i].session_id,
        joined_at: now - 1_800_000,
        left_at: now - 1000,
        client: '{}',
        ip_info: null,
      },
      r,
      undefined,
      { verdict: 'poor', kinds: ['packet_loss'] },
    ),
  );
  const cpu1 = process.cpuUsage(cpu0);
  // The stored peers carry the seeded dimensions (so they touch the same 44 rows a real peer of the app does).
  const stored = pure.map((p, i) => ({ ...peers[i], ...p, ...dimsOf(peers[i]) }));
  const cpu2 = process.cpuUsage();
  const dbBefore = ownDbMs();
  for (const p of stored)
    await store.db
      .transaction()
      .execute((tx) => storePeerRollup(tx, store.dialect, p, 1, Date.now()));
  const cpu3 = process.cpuUsage(cpu2);
  const storeDbMs = (ownDbMs() - dbBefore) / n;
  await store.close();
  const pureMs = (cpu1.user + cpu1.system) / 1000 / n;
  const storeMs = (cpu3.user + cpu3.system) / 1000 / n;
  return {
    rollup_compute_ms_per_peer: round(pureMs, 3),
    rollup_store_ms_per_peer: round(storeMs, 3),
    ...(dbUrl ? { rollup_store_database_ms_per_peer: round(storeDbMs, 3) } : {}),
    ingest_ms_per_30min_peer: round(ingestMs, 1),
    ...(dbUrl ? { ingest_database_ms_per_30min_peer: round(ingestDbMs / ingestPeers, 1) } : {}),
    ingest_requests_per_peer: ingest.requests / ingestPeers,
    added_ingest_cpu_percent: round(((pureMs + storeMs + storeDbMs) / ingestMs) * 100, 2),
  };
}

/** A rollup's dimensions. */
function dimsOf(p: PeerRollup) {
  return {
    hour: p.hour,
    browser: p.browser,
    os: p.os,
    country: p.country,
    asn: p.asn,
    network: p.network,
  };
}

async function benchStore(kind: 'sqlite' | 'postgres'): Promise<Record<string, unknown>> {
  const pg = kind === 'postgres' ? await freshPostgresUrl(BASE_URL) : undefined;
  const s = await startBenchServer(pg ? { DATABASE_URL: pg.url } : {});
  try {
    console.error(`fleet-quality (${kind}): seeding ${PEERS} peers`);
    const seedSeconds = await seed(pg?.url, s.dataDir, s.accountId, s.appId);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const base = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}/analytics/quality`;
    const d90 = `start_date=${new Date(Date.now() - 89 * DAY_MS).toISOString().slice(0, 10)}`;
    const queries: Record<string, string> = {
      'overview (7 days, by day)': base,
      'group_by hour': `${base}?group_by=hour`,
      'group_by browser': `${base}?group_by=browser`,
      'group_by os': `${base}?group_by=os`,
      'group_by country': `${base}?group_by=country`,
      'group_by asn': `${base}?group_by=asn`,
      'group_by network': `${base}?group_by=network`,
      'filtered: browser=Safari by country': `${base}?group_by=country&browser=Safari`,
      'filtered: browser=Chrome by asn': `${base}?group_by=asn&browser=Chrome`,
      'filtered: one ASN by day': `${base}?group_by=day&asn=${ASNS[50]}`,
      'filtered: os=Windows by hour': `${base}?group_by=hour&os=Windows`,
      'filtered: Chrome and Windows by day': `${base}?group_by=day&browser=Chrome&os=Windows`,
      // Three dimensions (two filters, a third grouped): no bucket holds them, answered from the per-peer rows.
      'filtered: Chrome and Windows by country': `${base}?group_by=country&browser=Chrome&os=Windows`,
      'filtered: Chrome and Windows by asn, daily': `${base}?group_by=asn&browser=Chrome&os=Windows&daily=true`,
      'filtered: one country and relay-udp by browser': `${base}?group_by=browser&country=${COUNTRIES[0]}&network=relay-udp`,
      '90 days: by day': `${base}?${d90}`,
      '90 days: group_by browser': `${base}?${d90}&group_by=browser`,
      '90 days: group_by country': `${base}?${d90}&group_by=country`,
      '90 days: group_by asn': `${base}?${d90}&group_by=asn`,
      '90 days: group_by network': `${base}?${d90}&group_by=network`,
      '90 days: browser=Chrome by asn': `${base}?${d90}&group_by=asn&browser=Chrome`,
      '90 days: country by network': `${base}?${d90}&group_by=network&country=${COUNTRIES[0]}`,
      '90 days: network=relay-tcp by browser': `${base}?${d90}&group_by=browser&network=relay-tcp`,
      '90 days: Chrome and Windows by day': `${base}?${d90}&group_by=day&browser=Chrome&os=Windows`,
      // Beyond the target (7 days): three dimensions over 90 days read every per-peer row of the range.
      '90 days: Chrome and Windows by country': `${base}?${d90}&group_by=country&browser=Chrome&os=Windows`,
      'peers (7 days, worst first)': `${base}/peers`,
      'peers page 20': `${base}/peers?page_no=20`,
      'peers verdict=bad kind=packet_loss': `${base}/peers?verdict=bad&kind=packet_loss`,
      'peers one ASN, page 3': `${base}/peers?asn=${ASNS[50]}&page_no=3`,
      'peers browser=Edge verdict=good': `${base}/peers?browser=Edge&verdict=good`,
      'peers browser=Chrome': `${base}/peers?browser=Chrome`,
      'peers 90 days': `${base}/peers?${d90}`,
    };
    const timings: Record<string, unknown> = {};
    // One warm-up so the server's pool connections exist before their backends are looked up.
    await get(base, s.token, agent);
    const cpuPids = {
      server: s.child.pid!,
      database: pg ? await backendPids(BASE_URL, s.child.pid!) : [],
    };
    for (const [name, url] of Object.entries(queries)) {
      timings[name] = await timeQuery(url, s.token, agent, cpuPids);
      console.error(`  ${name}: ${JSON.stringify(timings[name])}`);
    }
    agent.destroy();
    const first = JSON.parse((await get(base, s.token, new http.Agent())).text);
    const cpu = await rollupCpu(s, pg?.url);
    return {
      peers: PEERS,
      load_average: os.loadavg().map((v) => round(v, 1)),
      seed_seconds: round(seedSeconds, 1),
      overview_peers_7d: first.data.overall.peers,
      timings_ms: timings,
      ingest_cpu: cpu,
    };
  } finally {
    await s.stop();
    if (pg) await dropPostgresSchema(BASE_URL, pg.schema);
  }
}

/** Runs the fleet-quality benchmark on each store. */
export async function benchFleetQuality(): Promise<Record<string, unknown>> {
  const stores = (process.env.BENCH_FLEET_STORES ?? 'sqlite,postgres').split(',') as (
    'sqlite' | 'postgres'
  )[];
  const out: Record<string, unknown> = {};
  for (const kind of stores) out[kind] = await benchStore(kind);
  return out;
}

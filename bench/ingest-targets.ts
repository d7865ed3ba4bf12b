/**
 * Issue 16 targets 1 and 2, each against a baseline measured in the same run:
 *
 * - `embedded`: ingest at the collector's default 10 s batches (20 samples per
 *   request) into the embedded store, against the minimal store-as-it-came
 *   server (bench/ingest-floor-server.ts) under the same load; target ≥ 50k
 *   samples/s and ≤ 20 µs of server CPU per sample.
 * - `postgres`: one and two peer-report processes on PostgreSQL (batches of a
 *   peer alternating between them, as behind round-robin), against a
 *   multi-row INSERT per batch of the same derived rows over 4 connections;
 *   target ≥ 30k samples/s per process, ≥ 0.5× the INSERT, and two processes
 *   ≤ 1.1× the server CPU per sample of one.
 *
 * Server CPU per sample (from /proc, the server processes only) is the figure
 * that survives a shared machine; the load average is printed with each run.
 * `npm run bench ingest-targets` (both), or `node --import tsx
 * bench/ingest-targets.ts [embedded|postgres|postgres-processes N]`. Env: PEERS (calls, default 200),
 * CONCURRENCY (requests in flight, default 128), STICKY=1 (each peer's batches to one process, for telling
 * what round-robin costs from what a second process costs).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startBenchServer, round, pool, type BenchServer } from './support.ts';
import { ingestRun } from './ingest-report.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../test/support/postgres.ts';
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';
import { deriveStreamChunks, type KnownState } from '../src/ingest/derive-stream-chunks.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const PG_URL =
  process.env.PEER_REPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Server settings of every run: no live merging during the run, and on a busy machine neither a peer
 * waiting its turn nor an idle kept-alive connection times out between the phases.
 */
const SERVER_ENV = {
  PEER_REPORT_MERGE_LIVE_EVERY_MS: '86400000',
  PEER_REPORT_PEER_TIMEOUT_MS: '600000',
  PEER_REPORT_KEEP_ALIVE_TIMEOUT_MS: '120000',
};

/** The load of every run: 10 s batches, `peers` 10-minute calls, 128 in flight, round-robin. */
const LOAD = {
  peers: Number(process.env.PEERS ?? 200),
  minutes: 10,
  batchSeconds: 10,
  concurrency: Number(process.env.CONCURRENCY ?? 128),
  sticky: process.env.STICKY === '1',
};

type Run = Awaited<ReturnType<typeof ingestRun>>;

/** A run's figures with the server CPU per sample (µs) and the load average when it ended. */
function withPerSample(r: Run, servers = 1, serverCpuMs = r.serverCpuMsPerRequest * r.requests) {
  return {
    ...r,
    serverCpuUsPerSample: round((serverCpuMs * 1000) / r.samples, 1),
    servers,
    loadAverage1m: round(os.loadavg()[0], 1),
  };
}

/** Starts the floor server as a child process. */
async function startFloorServer(): Promise<BenchServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-floor-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'ingest-floor-server.ts'), dir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`floor server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    token: 'floor',
    accountId: 'floor',
    appId: 'floor',
    dataDir: dir,
    child,
    async stop() {
      child.kill();
      await new Promise((r) => child.once('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Target 1: the embedded store against the floor server, same load, same run. */
export async function benchEmbedded() {
  const floor = await startFloorServer();
  let floorRun;
  try {
    floorRun = await timedRun([floor]);
  } finally {
    await floor.stop();
  }
  const s = await startBenchServer(SERVER_ENV);
  let run;
  try {
    run = await timedRun([s]);
  } finally {
    await s.stop();
  }
  return {
    floor_store_as_it_came: floorRun,
    peer_report: run,
    ratio_samples_per_second: round(run.samplesPerSecond / floorRun.samplesPerSecond),
    ratio_cpu_per_sample: round(run.serverCpuUsPerSample / floorRun.serverCpuUsPerSample),
    ratio_cpu_per_sample_less_idle: round(
      run.serverCpuUsPerSampleLessIdle / floorRun.serverCpuUsPerSampleLessIdle,
    ),
    target: '≥ 50,000 samples/s and ≤ 20 µs server CPU per sample',
  };
}

/**
 * The PostgreSQL baseline: the rows peer-report stores for the same batches
 * (derived beforehand, not timed), one multi-row INSERT per batch, 4
 * connections, each peer's batches in order.
 */
async function multiRowInsertBaseline(url: string) {
  const startMs = Date.now() - LOAD.minutes * 60_000;
  const perPeer = Array.from({ length: LOAD.peers }, (_, i) => {
    let known: KnownState[] = [];
    return [
      ...syntheticBatches({
        profile: CALL_PROFILES['lossy-wifi'],
        startMs,
        minutes: LOAD.minutes,
        batchSeconds: LOAD.batchSeconds,
        seed: i + 1,
        batchIdPrefix: `floor-${i}-`,
      }),
    ].map((b) => {
      const d = deriveStreamChunks(`peer-${i}`, b.samples ?? [], known);
      known = d.states.map((s) => ({
        stream_key: s.stream_key,
        last_ts: s.last_ts,
        last_sample: s.last_sample,
      }));
      return d;
    });
  });
  const db = new pg.Pool({ connectionString: url, max: 4 });
  try {
    await db.query(
      'CREATE TABLE floor_chunks (id bigserial PRIMARY KEY, peer_id text NOT NULL, stream_key text NOT NULL, series text NOT NULL, first_ts bigint NOT NULL, last_ts bigint NOT NULL, n int NOT NULL, rows_json bytea NOT NULL, metrics bytea NOT NULL, first_sample text, last_sample text, received_at bigint NOT NULL)',
    );
    const samples = perPeer.flat().reduce((a, d) => a + d.stored, 0);
    const started = performance.now();
    await pool(
      perPeer.map((batches) => async () => {
        for (const d of batches) {
          if (d.chunks.length === 0) continue;
          const params: unknown[] = [];
          const tuples = d.chunks.map((c) => {
            const at = params.length;
            params.push(
              c.peer_id,
              c.stream_key,
              c.series,
              c.first_ts,
              c.last_ts,
              c.n,
              c.rows_json,
              c.metrics,
              c.first_sample,
              c.last_sample,
              Date.now(),
            );
            return `(${Array.from({ length: 11 }, (_, k) => `$${at + k + 1}`).join(',')})`;
          });
          await db.query(
            `INSERT INTO floor_chunks (peer_id, stream_key, series, first_ts, last_ts, n, rows_json, metrics, first_sample, last_sample, received_at) VALUES ${tuples.join(',')}`,
            params,
          );
        }
      }),
      LOAD.concurrency,
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      samples,
      seconds: round(seconds, 3),
      samplesPerSecond: Math.round(samples / seconds),
      loadAverage1m: round(os.loadavg()[0], 1),
    };
  } finally {
    await db.end();
  }
}

/** peer-report on PostgreSQL with `processes` server processes (round-robin). */
async function postgresRun(processes: number) {
  const { url, schema } = await freshPostgresUrl(PG_URL);
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < processes; i++)
      servers.push(await startBenchServer({ ...SERVER_ENV, DATABASE_URL: url }));
    return await timedRun(servers);
  } finally {
    for (const s of servers) await s.stop();
    await dropPostgresSchema(PG_URL, schema);
  }
}

/**
 * A warm-up, 5 s idle, then the timed run of LOAD against `servers` (round-robin), with the servers' CPU
 * per sample: as measured, and less what they spend idle (timers, sweeper, metrics) over the run's length,
 * since on a crowded machine a slow run lets that dominate (at 1,000 samples/s, 2 % of a core is 20 µs per
 * sample).
 */
async function timedRun(servers: BenchServer[]) {
  const urls = servers.map((s) => s.url);
  const cpu = () => servers.map((s) => cpuSeconds(s.child.pid!)).reduce((a, b) => a + b, 0);
  const sys = () =>
    servers.map((s) => cpuSeconds(s.child.pid!, 'system')).reduce((a, b) => a + b, 0);
  await ingestRun(servers[0], { ...LOAD, peers: 40, urls }); // warm-up: pools, JIT, plans
  const idle = await idleCpuMsPerSecond(cpu);
  const before = cpu();
  const sysBefore = sys();
  const r = await ingestRun(servers[0], { ...LOAD, urls });
  const ms = (cpu() - before) * 1000;
  return {
    ...withPerSample(r, servers.length, ms),
    // The kernel's share (socket writes and reads, fsync): on a loopback socket a write also runs the receiver's side.
    serverSystemCpuUsPerSample: round(((sys() - sysBefore) * 1e6) / r.samples, 1),
    idleCpuMsPerSecond: round(idle, 1),
    serverCpuUsPerSampleLessIdle: round(((ms - idle * r.seconds) * 1000) / r.samples, 1),
  };
}

/** CPU ms per second the servers use with no load, over 5 s. */
async function idleCpuMsPerSecond(cpu: () => number): Promise<number> {
  const before = cpu();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 5_000));
  return ((cpu() - before) * 1000 * 1000) / (performance.now() - started);
}

/** CPU seconds of process `pid` so far: user and system, or the system (kernel) part alone. */
function cpuSeconds(pid: number, part: 'all' | 'system' = 'all'): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((part === 'all' ? Number(f[11]) : 0) + Number(f[12])) / 100;
}

/** Target 2: PostgreSQL, one and two processes, against the multi-row INSERT, same run. */
export async function benchPostgresIngest() {
  const { url, schema } = await freshPostgresUrl(PG_URL);
  let baseline;
  try {
    baseline = await multiRowInsertBaseline(url);
  } finally {
    await dropPostgresSchema(PG_URL, schema);
  }
  const one = await postgresRun(1);
  const two = await postgresRun(2);
  return {
    multi_row_insert: baseline,
    peer_report_1_process: one,
    peer_report_2_processes: two,
    ratio_1_process_to_insert: round(one.samplesPerSecond / baseline.samplesPerSecond),
    ratio_cpu_per_sample_2_over_1: round(two.serverCpuUsPerSample / one.serverCpuUsPerSample),
    ratio_cpu_per_sample_less_idle_2_over_1: round(
      two.serverCpuUsPerSampleLessIdle / one.serverCpuUsPerSampleLessIdle,
    ),
    target:
      '≥ 30,000 samples/s per process, ≥ 0.5× the INSERT, 2 processes ≤ 1.1× the CPU per sample of 1',
  };
}

/** Both targets (`npm run bench ingest-targets`). */
export async function benchIngestTargets() {
  return { embedded: await benchEmbedded(), postgres: await benchPostgresIngest() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv[2];
  // `postgres-processes N`: only peer-report on PostgreSQL with N processes (quick A/B runs).
  if (which === 'postgres-processes') {
    console.log(JSON.stringify(await postgresRun(Number(process.argv[3] ?? 1)), null, 2));
    process.exit(0);
  }
  const result =
    which === 'embedded'
      ? await benchEmbedded()
      : which === 'postgres'
        ? await benchPostgresIngest()
        : await benchIngestTargets();
  console.log(JSON.stringify(result, null, 2));
}

/**
 * Issue 6 targets: ingest samples/s and report latency on PostgreSQL with one
 * and with two independent `peer-report serve` processes sharing one database
 * (each peer's batches alternate between the processes, as behind a
 * round-robin load balancer); two processes should ingest ≥ 1.3× one.
 * PostgreSQL runs on the same 2 cores, so the bench also reports where the
 * CPU time went: server processes, PostgreSQL backends, the load generator.
 */
import fs from 'node:fs';
import { startBenchServer, round, type BenchServer } from './support.ts';
import { ingestRun, reportRun } from './ingest-report.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../test/support/postgres.ts';

const BASE_URL = process.env.PEER_REPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU milliseconds (user + system) of one process, from /proc. */
function cpuMsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0; // exited
  }
}

/** Sum of CPU ms over every process whose command name is `postgres`. */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuMsOf(Number(entry));
    } catch {
      // gone between readdir and read
    }
  }
  return total;
}

/** Runs `fn` and reports how the CPU time split between servers, PostgreSQL and this load generator. */
async function withCpuSplit<T extends { seconds: number }>(servers: BenchServer[], fn: () => Promise<T>) {
  const serverBefore = servers.map((s) => cpuMsOf(s.child.pid!));
  const pgBefore = postgresCpuMs();
  const selfBefore = process.cpuUsage();
  const result = await fn();
  const self = process.cpuUsage(selfBefore);
  const serverMs = servers.reduce((a, s, i) => a + cpuMsOf(s.child.pid!) - serverBefore[i], 0);
  const pgMs = postgresCpuMs() - pgBefore;
  const wallMs = result.seconds * 1000;
  return {
    ...result,
    cpu_cores_busy: {
      peer_report_servers: round(serverMs / wallMs),
      postgres: round(pgMs / wallMs),
      load_generator: round((self.user + self.system) / 1000 / wallMs),
    },
  };
}

async function ingestWith(processes: number) {
  const { url, schema } = await freshPostgresUrl(BASE_URL);
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < processes; i++) servers.push(await startBenchServer({ DATABASE_URL: url }));
    const [first] = servers;
    const urls = servers.map((s) => s.url);
    await ingestRun(first, { peers: 8, minutes: 2, batchSeconds: 10, concurrency: 8, urls }); // warm-up: pools, JIT, plans
    const runs = {
      batches_of_10s: await withCpuSplit(servers, () => ingestRun(first, { peers: 40, minutes: 10, batchSeconds: 10, concurrency: 32, urls })),
      batches_of_60s: await withCpuSplit(servers, () => ingestRun(first, { peers: 40, minutes: 10, batchSeconds: 60, concurrency: 32, urls })),
    };
    return runs;
  } finally {
    for (const s of servers) await s.stop();
    await dropPostgresSchema(BASE_URL, schema);
  }
}

async function reportOnPostgres() {
  const { url, schema } = await freshPostgresUrl(BASE_URL);
  const s = await startBenchServer({ DATABASE_URL: url, PEER_REPORT_REPORT_CACHE_MB: '0' });
  try {
    return await reportRun(s, 100);
  } finally {
    await s.stop();
    await dropPostgresSchema(BASE_URL, schema);
  }
}

/** Runs the PostgreSQL benchmarks: ingest with 1 and 2 processes, uncached report latency. */
export async function benchPostgres(): Promise<Record<string, unknown>> {
  const one = await ingestWith(1);
  const two = await ingestWith(2);
  return {
    ingest_1_process: one,
    ingest_2_processes: two,
    speedup_2_over_1: {
      batches_of_10s: round(two.batches_of_10s.samplesPerSecond / one.batches_of_10s.samplesPerSecond),
      batches_of_60s: round(two.batches_of_60s.samplesPerSecond / one.batches_of_60s.samplesPerSecond),
    },
    report_60min_peer_uncached: await reportOnPostgres(),
  };
}

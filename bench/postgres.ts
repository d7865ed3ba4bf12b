/**
 * Issue 6 targets: ingest samples/s and report latency on PostgreSQL with one
 * and with two independent `peer-report serve` processes sharing one database
 * (each peer's batches alternate between the processes, as behind a
 * round-robin load balancer); two processes should ingest ≥ 1.3× one.
 * PostgreSQL runs on the same 2 cores, so the bench also reports where the
 * CPU time went: server processes, PostgreSQL backends, the load generator.
 * Set PEER_REPORT_TEST_POSTGRES_URL to use another server than 127.0.0.1:5432/test.
 */
import fs from 'node:fs';
import pg from 'pg';
import { startBenchServer, round, processCpuSeconds, type BenchServer } from './support.ts';
import { ingestRun, reportRun } from './ingest-report.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../test/support/postgres.ts';

const BASE_URL =
  process.env.PEER_REPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** CPU milliseconds (user + system) of one process, from /proc (0 once it has exited). */
function cpuMsOf(pid: number): number {
  return processCpuSeconds(pid) * 1000;
}

/** Sum of CPU ms over every process whose command name is `postgres`. */
function postgresCpuMs(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        total += cpuMsOf(Number(entry));
    } catch {
      // gone between readdir and read
    }
  }
  return total;
}

/** Runs `fn` and reports how the CPU time split between servers, PostgreSQL and this load generator. */
async function withCpuSplit<T extends { seconds: number }>(
  servers: BenchServer[],
  fn: () => Promise<T>,
) {
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

async function ingestWith(processes: number, writeConcurrency: number) {
  const { url, schema } = await freshPostgresUrl(BASE_URL);
  const servers: BenchServer[] = [];
  try {
    for (let i = 0; i < processes; i++)
      servers.push(
        await startBenchServer({
          DATABASE_URL: url,
          PEER_REPORT_PG_WRITE_CONCURRENCY: String(writeConcurrency),
          PEER_REPORT_MERGE_LIVE_EVERY_MS: '86400000',
        }),
      );
    const [first] = servers;
    const urls = servers.map((s) => s.url);
    await ingestRun(first, { peers: 8, minutes: 2, batchSeconds: 10, concurrency: 8, urls }); // warm-up: pools, JIT, plans
    const runs = {
      batches_of_10s: await withCpuSplit(servers, () =>
        ingestRun(first, { peers: 40, minutes: 10, batchSeconds: 10, concurrency: 32, urls }),
      ),
      batches_of_60s: await withCpuSplit(servers, () =>
        ingestRun(first, { peers: 40, minutes: 10, batchSeconds: 60, concurrency: 32, urls }),
      ),
    };
    const peerHours = (8 * 2 + 40 * 10 + 40 * 10) / 60;
    return { ...runs, storage: await storageUse(url, schema, peerHours) };
  } finally {
    for (const s of servers) await s.stop();
    await dropPostgresSchema(BASE_URL, schema);
  }
}

/** Bytes on disk (tables, indexes, TOAST) of every table in `schema`, per peer-hour ingested. */
async function storageUse(url: string, schema: string, peerHours: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; bytes: string }>(
      `select c.relname as name, pg_total_relation_size(c.oid) as bytes
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind = 'r'`,
      [schema],
    );
    const total = rows.reduce((a, r) => a + Number(r.bytes), 0);
    const chunks = rows
      .filter((r) => r.name.startsWith('quality_chunks'))
      .reduce((a, r) => a + Number(r.bytes), 0);
    return {
      peer_hours: round(peerHours),
      bytes_per_peer_hour: Math.round(total / peerHours),
      quality_chunk_bytes_per_peer_hour: Math.round(chunks / peerHours),
    };
  } finally {
    await client.end();
  }
}

/** Uncached report latency of a 60-minute peer on PostgreSQL, live and finished. */
export async function benchPostgresReport() {
  const { url, schema } = await freshPostgresUrl(BASE_URL);
  const s = await startBenchServer({
    DATABASE_URL: url,
    PEER_REPORT_REPORT_CACHE_MB: '0',
    PEER_REPORT_COMPACT_AFTER_MS: '0',
    PEER_REPORT_MERGE_LIVE_EVERY_MS: '1000',
    PEER_REPORT_SWEEP_INTERVAL_MS: '500',
  });
  try {
    return await reportRun(s, 100, { live: true });
  } finally {
    await s.stop();
    await dropPostgresSchema(BASE_URL, schema);
  }
}

/**
 * Runs the PostgreSQL benchmarks: ingest with 1 and 2 processes, with the
 * default 4 group transactions in flight per process and with 1 (the
 * single-flight writer the embedded store uses), and uncached report latency.
 */
export async function benchPostgres(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const concurrency of [4, 1]) {
    const one = await ingestWith(1, concurrency);
    const two = await ingestWith(2, concurrency);
    out[`write_concurrency_${concurrency}`] = {
      ingest_1_process: one,
      ingest_2_processes: two,
      speedup_2_over_1: {
        batches_of_10s: round(
          two.batches_of_10s.samplesPerSecond / one.batches_of_10s.samplesPerSecond,
        ),
        batches_of_60s: round(
          two.batches_of_60s.samplesPerSecond / one.batches_of_60s.samplesPerSecond,
        ),
      },
    };
  }
  out.report_60min_peer_uncached = await benchPostgresReport();
  return out;
}

/**
 * Developer aid: what the operator metrics add to one ingest request, measured
 * in isolation, in CPU time (the full ingest bench cannot resolve a 1 % change
 * on a shared machine). Times, per request: the recording calls the ingest makes (request
 * counter, batch outcome with its latency and samples, a share of a group
 * commit's observations), and the `/ingest/*` counting middleware in a Hono app
 * (with against without, on a trivial handler). Compare with the server's CPU
 * per request (`serverCpuMsPerRequest` of bench/quick-ingest.ts, ~0.6 ms).
 * `npm run bench metrics-overhead` (also `node --import tsx bench/quick-metrics-overhead.ts`)
 */
import { Hono } from 'hono';
import { ServerMetrics } from '../src/metrics/server-metrics.ts';
import { ingestRequestMetrics } from '../src/metrics/metrics-routes.ts';
import type { AppEnv } from '../src/api/context.ts';

const metrics = new ServerMetrics({ livePeers: async () => 0, compactionBacklog: async () => 0 });
const N = 2_000_000;
const GROUP = 10; // batches per group commit, as measured at 32+ concurrent clients

/** Process CPU time (µs): on a shared machine wall time mostly measures the other processes. */
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function recording(n: number): number {
  const t0 = cpu();
  for (let i = 0; i < n; i++) {
    metrics.ingestRequest('batches', 200);
    metrics.batchDone('stored', 0.004 + (i % 7) * 0.001, 20, 0);
    if (i % GROUP === 0) metrics.groupWritten(GROUP, 0.003, true);
  }
  return ((cpu() - t0) * 1e3) / n; // ns per request
}

function app(withMetrics: boolean): Hono<AppEnv> {
  const a = new Hono<AppEnv>();
  a.use('*', async (c, next) => {
    c.set('ctx', { metrics } as never);
    await next();
  });
  if (withMetrics) a.use('/ingest/*', ingestRequestMetrics());
  a.post('/ingest/v1/peers/:peer_id/batches', (c) => c.json({ success: true }));
  return a;
}

async function middleware(a: Hono<AppEnv>, n: number): Promise<number> {
  const req = () =>
    a.request('/ingest/v1/peers/0b3c3f5e-5a55-4a43-9f1e-3f2e54c0e0a1/batches', { method: 'POST' });
  const t0 = cpu();
  for (let i = 0; i < n; i++) await req();
  return ((cpu() - t0) * 1e3) / n;
}

/** Runs the measurement (about a minute of CPU); returns the figures. */
export async function benchMetricsOverhead() {
  recording(N / 4); // warm-up
  const rec = Math.min(recording(N), recording(N), recording(N));
  const plain = app(false);
  const counted = app(true);
  await middleware(plain, 20_000);
  await middleware(counted, 20_000);
  const runs: { plain: number; counted: number }[] = [];
  for (let i = 0; i < 5; i++)
    runs.push({
      plain: await middleware(plain, 100_000),
      counted: await middleware(counted, 100_000),
    });
  const mw = Math.min(...runs.map((r) => r.counted)) - Math.min(...runs.map((r) => r.plain));
  return {
    runsNsPerRequest: runs.map((r) => ({
      plain: Math.round(r.plain),
      counted: Math.round(r.counted),
    })),
    recordingNsPerRequest: Math.round(rec),
    middlewareNsPerRequest: Math.round(mw),
    totalUsPerRequest: Math.round(rec + mw) / 1000,
    shareOf600UsRequest: `${(((rec + mw) / 1000 / 600) * 100).toFixed(3)} %`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(JSON.stringify(await benchMetricsOverhead(), null, 2));

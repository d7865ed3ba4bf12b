/**
 * Benchmark plumbing: a server in its own process (so the load generator does
 * not share its event loop), credentials, and latency statistics.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/store/open-database.ts';
import { createApiToken } from '../src/store/api-tokens.ts';
import { createApp } from '../src/store/apps.ts';
import { spawnServerProcess } from '../test/support/server-process.ts';

/** A server child process. */
export interface BenchServer {
  url: string;
  token: string;
  accountId: string;
  appId: string;
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `peer-report serve` in a child process on a fresh data directory (or `env.DATABASE_URL`). */
export async function startBenchServer(
  env: NodeJS.ProcessEnv = {},
  dataDir?: string,
  workers = 1,
): Promise<BenchServer> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-bench-'));
  const accountId = 'benchaccount';
  // Credentials are created before the server starts (same database).
  const db = await openDatabase({ dataDir: dir, databaseUrl: env.DATABASE_URL });
  const { token } = await createApiToken(db.db, accountId, 'Realtime Admin');
  const app = await createApp(db.db, accountId, 'bench');
  await db.close();
  const server = await spawnServerProcess({
    dataDir: dir,
    env,
    workers,
    nodeFlags: (env.BENCH_NODE_FLAGS ?? process.env.BENCH_NODE_FLAGS)?.split(' ') ?? [],
  });
  server.child.stderr!.pipe(process.stderr);
  // Let the server finish loading its GeoIP/ASN tables (background work at start) before measuring.
  await new Promise((r) => setTimeout(r, 3000));
  return {
    url: server.url,
    token,
    accountId,
    appId: app.id,
    dataDir: dir,
    child: server.child,
    async stop() {
      await server.stop();
      if (!dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** p-th percentile (linear interpolation) of `values`. */
export function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const idx = (s.length - 1) * (p / 100);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return s[lo] + (s[hi] - s[lo]) * (idx - lo);
}

/** Rounds to `d` decimals. */
export const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]();
      }
    }),
  );
  return out;
}

/** CPU seconds (user + system) used so far by process `pid` (Linux /proc; 'self' for this one); 0 once it has exited. */
export function processCpuSeconds(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return 0;
  }
}

/** The machine's CPU time so far: total and idle (seconds summed over cores, Linux /proc/stat). */
export function machineCpuSeconds(): { total: number; idle: number } {
  const f = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { total: f.reduce((a, b) => a + b, 0) / 100, idle: (f[3] + f[4]) / 100 };
}

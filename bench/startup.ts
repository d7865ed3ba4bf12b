/**
 * Start-up benchmark (the compiled JavaScript in dist/, as `npm start` and `bin/peer-report.js` run it):
 * - CPU of `peer-report --help` against `node -e 0`, in the same run (ratio);
 * - how long `peer-report serve` takes to print its listening line on an empty data directory (wall time);
 * - CPU of a whole-process `peer-report import` of a ~600 KB rtcstats dump (a real jitsi recording);
 * - resident memory of an idle server with an empty database, 5 s after listening and after 60 s idle (V8's
 *   memory reducer returns freed heap after about half a minute of idleness).
 * Each figure is the median of RUNS runs (default 5). `npm run bench startup`; it builds dist/ first.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { realdataPath } from '../test/support/realdata.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/peer-report.js');
const RUNS = Number(process.env.RUNS ?? 5);
const DUMP = realdataPath('jitsi-rtcstats-server/dumps/google-standard-stats-p2p');
const env = { ...process.env, PEER_REPORT_FROM_SOURCE: '0', DATABASE_URL: '' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * User + system CPU seconds of a child process run to completion. Node does not expose getrusage(RUSAGE_CHILDREN),
 * so bash's `time` measures it (TIMEFORMAT prints user and system seconds alone).
 */
function cpuSeconds(args: string[]): number {
  const r = spawnSync(
    'bash',
    ['-c', 'TIMEFORMAT="%3U %3S"; time "$@" >/dev/null 2>&1', 'bash', process.execPath, ...args],
    { env, encoding: 'utf8' },
  );
  const [user, sys] = r.stderr.trim().split(/\s+/).slice(-2).map(Number);
  return user + sys;
}

async function listeningMs(
  dataDir: string,
): Promise<{ ms: number; stop: () => Promise<void>; pid: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { ms, stop, pid: child.pid! };
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates an app in a fresh data directory through the real server, for the import command. */
async function prepareImportTarget(dataDir: string): Promise<string> {
  const token = spawnSync(
    process.execPath,
    [bin, 'token', 'create', '--account', 'bench', '--data', dataDir],
    { env, encoding: 'utf8' },
  ).stdout.trim();
  const server = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  const res = await fetch(`${url}/client/v4/accounts/bench/realtime/kit/apps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'startup bench' }),
  });
  const body = (await res.json()) as { data: { app: { id: string } } };
  await new Promise<void>((resolve) => {
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
  return body.data.app.id;
}

/** Runs the start-up measurements. */
export async function benchStartup(): Promise<Record<string, unknown>> {
  const build = spawnSync('npm', ['run', '--silent', 'build:server'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build:server failed');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-startup-'));
  try {
    const nodeCpu: number[] = [];
    const helpCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      nodeCpu.push(cpuSeconds(['-e', '0']));
      helpCpu.push(cpuSeconds([bin, '--help']));
    }
    const listen: number[] = [];
    const rss5: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const server = await listeningMs(path.join(work, `serve-${i}`));
      listen.push(server.ms);
      await sleep(5_000);
      rss5.push(rssMiB(server.pid));
      await server.stop();
    }
    const idle = await listeningMs(path.join(work, 'idle'));
    await sleep(60_000);
    const rssIdle60 = rssMiB(idle.pid);
    await idle.stop();

    const importDir = path.join(work, 'import');
    const app = await prepareImportTarget(importDir);
    const importCpu: number[] = [];
    for (let i = 0; i < RUNS; i++)
      importCpu.push(
        cpuSeconds([bin, 'import', DUMP, '--account', 'bench', '--app', app, '--data', importDir]),
      );

    const node = median(nodeCpu);
    const help = median(helpCpu);
    return {
      runs: RUNS,
      node_e_0_cpu_s: node,
      help_cpu_s: help,
      help_vs_node_ratio: Number((help / node).toFixed(2)),
      serve_listening_ms_p50: Math.round(median(listen)),
      serve_listening_ms_max: Math.round(Math.max(...listen)),
      idle_rss_mib_after_5s_p50: Math.round(median(rss5)),
      idle_rss_mib_after_60s: Math.round(rssIdle60),
      import_dump_bytes: fs.statSync(DUMP).size,
      import_cpu_s_p50: median(importCpu),
      import_vs_jitsi_0_26_s_ratio: Number((median(importCpu) / 0.26).toFixed(2)),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(JSON.stringify(await benchStartup(), null, 2));

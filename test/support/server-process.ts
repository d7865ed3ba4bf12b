/**
 * Runs `peer-report serve` as a real child process (the binary operators run),
 * for tests and benchmarks that need several server processes on one store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The environment of a spawned `peer-report`: the TypeScript sources (what was just edited) unless the caller
 * chose otherwise; `npm test` builds dist/ first and sets PEER_REPORT_FROM_SOURCE=0, so the suite runs the
 * compiled JavaScript that production runs.
 */
export function binEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PEER_REPORT_FROM_SOURCE: process.env.PEER_REPORT_FROM_SOURCE ?? '1',
    ...env,
  };
}

/** A `peer-report serve` child process. */
export interface ServerProcess {
  url: string;
  /** The start-up line. */
  line: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `peer-report serve` on `port` (default: a random one); `env` configures it (DATABASE_URL, PEER_REPORT_*). */
export async function spawnServerProcess(opts: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  workers?: number;
  nodeFlags?: string[];
  port?: number;
  host?: string | null;
  args?: string[];
}): Promise<ServerProcess> {
  // `host: null` passes no --host (the environment or the default decides).
  const host = opts.host === null ? [] : ['--host', opts.host ?? '127.0.0.1'];
  const args = [
    ...(opts.nodeFlags ?? []),
    path.join(root, 'bin/peer-report.js'),
    'serve',
    '--port',
    String(opts.port ?? 0),
    ...host,
    '--data',
    opts.dataDir,
    '--workers',
    String(opts.workers ?? 1),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: binEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const [url, line] = await new Promise<[string, string]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+).*/.exec(out);
      if (m) resolve([m[1], m[0]]);
    });
    child.once('exit', (code) =>
      reject(new Error(`peer-report serve exited with ${code}: ${out}${err}`)),
    );
  });
  return {
    url,
    line,
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

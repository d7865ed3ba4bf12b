/**
 * `peer-report serve`: runs the HTTP server. With `--workers N` (N > 1) the
 * primary process migrates the database once, then forks N workers that share
 * the listening socket (node:cluster) and the database (SQLite in WAL mode with
 * immediate write transactions, or PostgreSQL); a worker that dies is replaced.
 */
import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import { startServer } from '../../server/start-server.ts';
import { openDatabase } from '../../store/open-database.ts';

interface ServeOptions {
  port: string;
  host: string;
  data: string;
  workers: string;
  keepFullIp?: boolean;
  trustedProxy?: string[];
  logRequests?: boolean;
}

async function runWorker(opts: ServeOptions, port: number): Promise<void> {
  const server = await startServer({
    port,
    host: opts.host,
    dataDir: opts.data,
    keepFullIp: opts.keepFullIp ? true : undefined,
    trustedProxies: opts.trustedProxy,
    logRequests: opts.logRequests ? true : undefined,
  });
  const where = server.database.dialect === 'sqlite' ? ` ${server.database.location}` : ` ${server.database.location}`;
  if (cluster.isWorker) process.send?.({ listening: server.url, where, dialect: server.database.dialect });
  else console.log(`peer-report listening on ${server.url} (store: ${server.database.dialect}${where})`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function runPrimary(opts: ServeOptions, workers: number): Promise<void> {
  // Migrate once, before any worker opens the database.
  await (await openDatabase({ dataDir: opts.data, databaseUrl: process.env.DATABASE_URL || undefined })).close();
  let stopping = false;
  let announced = false;
  const fork = () => {
    const w = cluster.fork();
    w.on('message', (m: { listening?: string; where?: string; dialect?: string }) => {
      if (m.listening && !announced) {
        announced = true;
        console.log(`peer-report listening on ${m.listening} (store: ${m.dialect}${m.where}; ${workers} workers)`);
      }
    });
  };
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    console.error(`worker ${w.process.pid} exited (${signal ?? code}); starting a new one`);
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    let left = Object.keys(cluster.workers ?? {}).length;
    if (left === 0) process.exit(0);
    cluster.on('exit', () => {
      if (--left === 0) process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The `serve` command. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the server (embedded database in --data, or PostgreSQL when DATABASE_URL is set)')
    .addOption(new Option('--port <port>', 'TCP port').default('8787').env('PORT'))
    .addOption(new Option('--host <host>', 'address to listen on').default('0.0.0.0'))
    .addOption(new Option('--data <dir>', 'directory of the embedded database').default('./data').env('PEER_REPORT_DATA'))
    .addOption(new Option('--workers <n>', 'server processes sharing the port and the database').default('1').env('PEER_REPORT_WORKERS'))
    .option('--keep-full-ip', 'store full client IP addresses (default: truncated to /24 and /48)')
    .option('--trusted-proxy <ip...>', 'proxy addresses whose X-Forwarded-For is trusted')
    .option('--log-requests', 'log each request (method, path, status, time)')
    .action(async (opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number, got '${opts.port}'`);
      const workers = Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`--workers: expected 1 to 64, got '${opts.workers}'`);
      if (workers > 1 && cluster.isPrimary) await runPrimary(opts, workers);
      else await runWorker(opts, port);
    });
}

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
  host?: string;
  data: string;
  workers: string;
  keepFullIp?: boolean;
  trustedProxy?: string[];
  logRequests?: boolean;
  idleTimeoutMs?: string;
  headersTimeoutMs?: string;
  requestTimeoutMs?: string;
  keepAliveTimeoutMs?: string;
  maxConnections?: string;
  ingestRate?: string;
  ingestBurst?: string;
  maxLivePeers?: string;
  joinRate?: string;
  joinBurst?: string;
}

/** A non-negative number flag (fractions allowed), or undefined when not given. */
function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`--${name}: expected a non-negative number, got '${value}'`);
  return n;
}

/** A non-negative integer flag, or undefined when not given (the environment's value or the default then applies). */
function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name}: expected a non-negative integer, got '${value}'`);
  return n;
}

async function runWorker(opts: ServeOptions, port: number): Promise<void> {
  const server = await startServer({
    port,
    // Undefined unless given: loadConfig then reads PEER_REPORT_HOST or applies its default.
    host: opts.host || undefined,
    dataDir: opts.data,
    keepFullIp: opts.keepFullIp ? true : undefined,
    trustedProxies: opts.trustedProxy,
    logRequests: opts.logRequests ? true : undefined,
    idleTimeoutMs: intFlag('idle-timeout-ms', opts.idleTimeoutMs),
    headersTimeoutMs: intFlag('headers-timeout-ms', opts.headersTimeoutMs),
    requestTimeoutMs: intFlag('request-timeout-ms', opts.requestTimeoutMs),
    keepAliveTimeoutMs: intFlag('keep-alive-timeout-ms', opts.keepAliveTimeoutMs),
    maxConnections: intFlag('max-connections', opts.maxConnections),
    ingestRatePerSecond: numberFlag('ingest-rate', opts.ingestRate),
    joinRatePerSecond: numberFlag('join-rate', opts.joinRate),
    joinBurst: intFlag('join-burst', opts.joinBurst),
    ingestBurst: intFlag('ingest-burst', opts.ingestBurst),
    maxLivePeersPerParticipant: intFlag('max-live-peers', opts.maxLivePeers),
  });
  const where =
    server.database.dialect === 'sqlite'
      ? ` ${server.database.location}`
      : ` ${server.database.location}`;
  // The line tells where the socket is bound; the URL is where a client on this machine reaches it.
  const listening = `http://${server.boundTo}`;
  const local = server.url === listening ? '' : `; local URL ${server.url}`;
  if (cluster.isWorker)
    process.send?.({ listening, local, where, dialect: server.database.dialect });
  else
    console.log(
      `peer-report listening on ${listening} (store: ${server.database.dialect}${where}${local})`,
    );
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function runPrimary(opts: ServeOptions, workers: number): Promise<void> {
  // Migrate once, before any worker opens the database.
  await (
    await openDatabase({ dataDir: opts.data, databaseUrl: process.env.DATABASE_URL || undefined })
  ).close();
  let stopping = false;
  let announced = false;
  const fork = () => {
    const w = cluster.fork();
    w.on(
      'message',
      (m: { listening?: string; local?: string; where?: string; dialect?: string }) => {
        if (m.listening && !announced) {
          announced = true;
          console.log(
            `peer-report listening on ${m.listening} (store: ${m.dialect}${m.where}${m.local ?? ''}; ${workers} workers)`,
          );
        }
      },
    );
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
    .description(
      'run the server (embedded database in --data, or PostgreSQL when DATABASE_URL is set)',
    )
    .addOption(new Option('--port <port>', 'TCP port').default('8787').env('PORT'))
    .addOption(
      new Option(
        '--host <host>',
        'address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface)',
      ).env('PEER_REPORT_HOST'),
    )
    .addOption(
      new Option('--data <dir>', 'directory of the embedded database')
        .default('./data')
        .env('PEER_REPORT_DATA'),
    )
    .addOption(
      new Option('--workers <n>', 'server processes sharing the port and the database')
        .default('1')
        .env('PEER_REPORT_WORKERS'),
    )
    .option('--keep-full-ip', 'store full client IP addresses (default: truncated to /24 and /48)')
    .option('--trusted-proxy <ip...>', 'proxy addresses whose X-Forwarded-For is trusted')
    .option('--log-requests', 'log each request (method, path, status, time)')
    .addOption(
      new Option(
        '--idle-timeout-ms <ms>',
        'close a connection silent this long without a request in progress (default 10000)',
      ).env('PEER_REPORT_IDLE_TIMEOUT_MS'),
    )
    .addOption(
      new Option(
        '--headers-timeout-ms <ms>',
        "time allowed for a request's headers (default 20000)",
      ).env('PEER_REPORT_HEADERS_TIMEOUT_MS'),
    )
    .addOption(
      new Option(
        '--request-timeout-ms <ms>',
        'time allowed for a whole request, body included (default 120000)',
      ).env('PEER_REPORT_REQUEST_TIMEOUT_MS'),
    )
    .addOption(
      new Option(
        '--keep-alive-timeout-ms <ms>',
        'how long a kept-alive connection waits for its next request (default 5000)',
      ).env('PEER_REPORT_KEEP_ALIVE_TIMEOUT_MS'),
    )
    .addOption(
      new Option('--max-connections <n>', 'concurrent connections per process (default 10000)').env(
        'PEER_REPORT_MAX_CONNECTIONS',
      ),
    )
    .addOption(
      new Option(
        '--ingest-rate <n>',
        'ingest requests per second per participant, 0 = unlimited (default 50)',
      ).env('PEER_REPORT_INGEST_RATE'),
    )
    .addOption(
      new Option(
        '--ingest-burst <n>',
        'ingest requests a participant may send at once (default 500)',
      ).env('PEER_REPORT_INGEST_BURST'),
    )
    .addOption(
      new Option(
        '--join-rate <n>',
        'joins per second per participant, 0 = unlimited (default 0.2)',
      ).env('PEER_REPORT_JOIN_RATE'),
    )
    .addOption(
      new Option('--join-burst <n>', 'joins a participant may send at once (default 20)').env(
        'PEER_REPORT_JOIN_BURST',
      ),
    )
    .addOption(
      new Option(
        '--max-live-peers <n>',
        'live peers per participant; a join beyond closes the oldest (default 8)',
      ).env('PEER_REPORT_MAX_LIVE_PEERS'),
    )
    .action(async (opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port: expected a port number, got '${opts.port}'`);
      const workers = Number(opts.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new Error(`--workers: expected 1 to 64, got '${opts.workers}'`);
      if (workers > 1 && cluster.isPrimary) await runPrimary(opts, workers);
      else await runWorker(opts, port);
    });
}

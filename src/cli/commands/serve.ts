/**
 * `peer-report serve`: runs the HTTP server. With `--workers N` (N > 1) the
 * primary process migrates the database once, then forks N workers that share
 * the listening socket (node:cluster) and the database (SQLite in WAL mode with
 * immediate write transactions, or PostgreSQL); a worker that dies is replaced.
 */
import cluster from 'node:cluster';
import { Command } from 'commander';
import { startServer } from '../../server/start-server.ts';
import { openStore } from '../../store/open-store.ts';
import { loadConfig, type ServerConfig } from '../../config.ts';

async function runWorker(config: ServerConfig): Promise<void> {
  const server = await startServer(config);
  const where = ` ${server.store.location}`;
  // The line tells where the socket is bound; the URL is where a client on this machine reaches it.
  const listening = `http://${server.boundTo}`;
  const local = server.url === listening ? '' : `; local URL ${server.url}`;
  if (cluster.isWorker) process.send?.({ listening, local, where, storeName: server.store.name });
  else
    console.log(
      `peer-report listening on ${listening} (store: ${server.store.name}${where}${local})`,
    );
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function runPrimary(config: ServerConfig): Promise<void> {
  const { workers } = config;
  // Migrate once, before any worker opens the database.
  await (await openStore(config)).close();
  let stopping = false;
  let announced = false;
  const fork = () => {
    const w = cluster.fork();
    w.on(
      'message',
      (m: { listening?: string; local?: string; where?: string; storeName?: string }) => {
        if (m.listening && !announced) {
          announced = true;
          console.log(
            `peer-report listening on ${m.listening} (store: ${m.storeName}${m.where}${m.local ?? ''}; ${workers} workers)`,
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
  return (
    new Command('serve')
      .description(
        'run the server (embedded database in --data, or PostgreSQL when DATABASE_URL is set)',
      )
      // No defaults or environment here: loadConfig (src/config.ts) merges flags over the environment and validates.
      .option('--port <port>', 'TCP port (default 8787; env PEER_REPORT_PORT or PORT)')
      .option(
        '--host <host>',
        'address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface; env PEER_REPORT_HOST)',
      )
      .option(
        '--data <dir>',
        'directory of the embedded database (default ./data; env PEER_REPORT_DATA)',
      )
      .option(
        '--workers <n>',
        'server processes sharing the port and the database (default 1; env PEER_REPORT_WORKERS)',
      )
      .option(
        '--keep-full-ip',
        'store full client IP addresses (default: truncated to /24 and /48)',
      )
      .option('--trusted-proxy <ip...>', 'proxy addresses whose X-Forwarded-For is trusted')
      .option('--log-requests', 'log each request (method, path, status, time)')
      .option(
        '--idle-timeout-ms <ms>',
        'close a connection silent this long without a request in progress (default 10000)',
      )
      .option('--headers-timeout-ms <ms>', "time allowed for a request's headers (default 20000)")
      .option(
        '--request-timeout-ms <ms>',
        'time allowed for a whole request, body included (default 120000)',
      )
      .option(
        '--keep-alive-timeout-ms <ms>',
        'how long a kept-alive connection waits for its next request (default 5000)',
      )
      .option('--max-connections <n>', 'concurrent connections per process (default 10000)')
      .option(
        '--ingest-rate <n>',
        'ingest requests per second per participant, 0 = unlimited (default 50)',
      )
      .option('--ingest-burst <n>', 'ingest requests a participant may send at once (default 500)')
      .option('--join-rate <n>', 'joins per second per participant, 0 = unlimited (default 0.2)')
      .option('--join-burst <n>', 'joins a participant may send at once (default 20)')
      .option(
        '--max-live-peers <n>',
        'live peers per participant; a join beyond closes the oldest (default 8)',
      )
      .action(async (opts: Record<string, unknown>) => {
        const config = loadConfig({}, undefined, opts);
        if (config.workers > 1 && cluster.isPrimary) await runPrimary(config);
        else await runWorker(config);
      })
  );
}

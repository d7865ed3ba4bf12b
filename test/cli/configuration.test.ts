/**
 * One configuration reader (issue 14, part 3): flags over the environment over defaults, every value validated,
 * a bad one exits 2 naming its flag or variable, and `serve` honours the same variables as the server
 * (PEER_REPORT_PORT did nothing under `serve` before). Real CLI processes; the reader itself in-process.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binEnv } from '../support/server-process.ts';
import { loadConfig, loadStoreConfig } from '../../src/config.ts';
import { loadWebhookConfig } from '../../src/webhooks/webhook-config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/peer-report.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-config-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** The environment of a spawned CLI with none of the caller's PEER_REPORT_* / PORT / DATABASE_URL settings. */
function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = binEnv(env);
  for (const key of Object.keys(base))
    if ((/^PEER_REPORT_/.test(key) && key !== 'PEER_REPORT_FROM_SOURCE') || key === 'PORT')
      if (!(key in env)) delete base[key];
  return { DATABASE_URL: '', ...base, ...env };
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: cleanEnv(env),
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr };
}

/** A port free right now (bound, read, released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Runs `serve` with `args` and `env`, returns the address of its start-up line, then stops it. */
async function servedAt(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [bin, 'serve', '--data', dataDir, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    return await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on http:\/\/(\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
    });
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

test('a bad variable makes serve exit 2 with a message naming it', () => {
  const cases: [string, string][] = [
    ['PEER_REPORT_PEER_TIMEOUT_MS', 'thirty'],
    ['PEER_REPORT_PORT', '70000'],
    ['PEER_REPORT_WORKERS', '0'],
    ['PEER_REPORT_KEEP_FULL_IP', 'maybe'],
    ['PEER_REPORT_SQLITE_SYNCHRONOUS', 'sometimes'],
    ['PEER_REPORT_WEBHOOK_POLL_MS', '-5'],
    ['PEER_REPORT_ALERT_MIN_SEVERITY', 'huge'],
  ];
  for (const [name, value] of cases) {
    // Port 0 (any free port) unless the port is the case, so a regression starts a server rather than fail to.
    const r = cli(['serve', '--data', dataDir], { PEER_REPORT_PORT: '0', [name]: value });
    assert.equal(r.code, 2, `${name}=${value}: exit code (stderr: ${r.stderr})`);
    assert.match(r.stderr, new RegExp(`^error: ${name}: expected .*, got '${value}'`, 'm'), name);
  }
});

test('a bad flag exits 2 naming the flag; a secret is not repeated', () => {
  const flag = cli(['serve', '--data', dataDir, '--idle-timeout-ms', '10s']);
  assert.equal(flag.code, 2, `exit code (stderr: ${flag.stderr})`);
  assert.match(flag.stderr, /^error: --idle-timeout-ms: expected an integer ≥ 0, got '10s'/m);
  const secret = cli(['serve', '--data', dataDir], { PEER_REPORT_METRICS_TOKEN: 'tooshort' });
  assert.equal(secret.code, 2, `exit code (stderr: ${secret.stderr})`);
  assert.match(secret.stderr, /PEER_REPORT_METRICS_TOKEN: expected at least 16 characters/);
  assert.ok(!secret.stderr.includes('tooshort'), 'the token is not printed');
});

test('commands that only open the store validate DATABASE_URL and exit 2 on a bad one', () => {
  const r = cli(['token', 'list', '--data', dataDir], { DATABASE_URL: 'mysql://db/x' });
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, /^error: DATABASE_URL: expected a postgres or postgresql URL/m);
});

test('PEER_REPORT_PORT works under serve, over PORT; --port wins over both', async () => {
  const [ours, platform, flag] = [await freePort(), await freePort(), await freePort()];
  const host = ['--host', '127.0.0.1'];
  assert.equal(await servedAt(host, { PEER_REPORT_PORT: String(ours) }), `127.0.0.1:${ours}`);
  assert.equal(await servedAt(host, { PORT: String(platform) }), `127.0.0.1:${platform}`);
  assert.equal(
    await servedAt(host, { PEER_REPORT_PORT: String(ours), PORT: String(platform) }),
    `127.0.0.1:${ours}`,
  );
  assert.equal(
    await servedAt([...host, '--port', String(flag)], {
      PEER_REPORT_PORT: String(ours),
      PORT: String(platform),
    }),
    `127.0.0.1:${flag}`,
  );
});

test('flags override the environment for every setting that has one; the environment overrides defaults', () => {
  const env = {
    PEER_REPORT_PORT: '1111',
    PEER_REPORT_HOST: '10.0.0.1',
    PEER_REPORT_DATA: '/env/data',
    PEER_REPORT_WORKERS: '2',
    PEER_REPORT_TRUSTED_PROXIES: '10.0.0.9, 10.0.0.8',
    PEER_REPORT_KEEP_FULL_IP: '0',
    PEER_REPORT_LOG_REQUESTS: 'false',
    PEER_REPORT_IDLE_TIMEOUT_MS: '1000',
    PEER_REPORT_HEADERS_TIMEOUT_MS: '2000',
    PEER_REPORT_REQUEST_TIMEOUT_MS: '3000',
    PEER_REPORT_KEEP_ALIVE_TIMEOUT_MS: '4000',
    PEER_REPORT_MAX_CONNECTIONS: '5',
    PEER_REPORT_INGEST_RATE: '6',
    PEER_REPORT_INGEST_BURST: '7',
    PEER_REPORT_JOIN_RATE: '0.5',
    PEER_REPORT_JOIN_BURST: '9',
    PEER_REPORT_MAX_LIVE_PEERS: '10',
  };
  const fromEnv = loadConfig({}, env);
  assert.deepEqual(
    [fromEnv.port, fromEnv.host, fromEnv.dataDir, fromEnv.workers, fromEnv.trustedProxies],
    [1111, '10.0.0.1', '/env/data', 2, ['10.0.0.9', '10.0.0.8']],
  );
  assert.deepEqual(
    [fromEnv.idleTimeoutMs, fromEnv.joinRatePerSecond, fromEnv.maxLivePeersPerParticipant],
    [1000, 0.5, 10],
  );
  // Commander's parsed options of `serve` (strings, booleans for switches, arrays for repeatable flags).
  const flags = {
    port: '2222',
    host: '10.0.0.2',
    data: '/flag/data',
    workers: '3',
    trustedProxy: ['10.0.0.7'],
    keepFullIp: true,
    logRequests: true,
    idleTimeoutMs: '11',
    headersTimeoutMs: '12',
    requestTimeoutMs: '13',
    keepAliveTimeoutMs: '14',
    maxConnections: '15',
    ingestRate: '16',
    ingestBurst: '17',
    joinRate: '1.5',
    joinBurst: '19',
    maxLivePeers: '20',
  };
  const c = loadConfig({}, env, flags);
  assert.deepEqual(
    {
      port: c.port,
      host: c.host,
      dataDir: c.dataDir,
      workers: c.workers,
      trustedProxies: c.trustedProxies,
      keepFullIp: c.keepFullIp,
      logRequests: c.logRequests,
      idleTimeoutMs: c.idleTimeoutMs,
      headersTimeoutMs: c.headersTimeoutMs,
      requestTimeoutMs: c.requestTimeoutMs,
      keepAliveTimeoutMs: c.keepAliveTimeoutMs,
      maxConnections: c.maxConnections,
      ingestRatePerSecond: c.ingestRatePerSecond,
      ingestBurst: c.ingestBurst,
      joinRatePerSecond: c.joinRatePerSecond,
      joinBurst: c.joinBurst,
      maxLivePeersPerParticipant: c.maxLivePeersPerParticipant,
    },
    {
      port: 2222,
      host: '10.0.0.2',
      dataDir: '/flag/data',
      workers: 3,
      trustedProxies: ['10.0.0.7'],
      keepFullIp: true,
      logRequests: true,
      idleTimeoutMs: 11,
      headersTimeoutMs: 12,
      requestTimeoutMs: 13,
      keepAliveTimeoutMs: 14,
      maxConnections: 15,
      ingestRatePerSecond: 16,
      ingestBurst: 17,
      joinRatePerSecond: 1.5,
      joinBurst: 19,
      maxLivePeersPerParticipant: 20,
    },
  );
  // A flag wins even over a bad variable: the variable is not read.
  assert.equal(loadConfig({}, { PEER_REPORT_PORT: 'x' }, { port: '3' }).port, 3);
  assert.equal(loadStoreConfig({ data: '/d' }, { PEER_REPORT_DATA: '/e' }).dataDir, '/d');
});

test('defaults, empty variables as unset, and values the old reader let through', () => {
  const d = loadConfig({}, { PEER_REPORT_HOST: '', DATABASE_URL: '' });
  assert.deepEqual(
    [d.port, d.host, d.dataDir, d.databaseUrl, d.peerTimeoutMs, d.diagnosis, d.sqliteSynchronous],
    [8787, '127.0.0.1', './data', undefined, 30_000, true, 'full'],
  );
  assert.equal(loadConfig({}, { PEER_REPORT_DIAGNOSIS: '0' }).diagnosis, false);
  assert.equal(loadConfig({}, { PEER_REPORT_KEEP_FULL_IP: 'true' }).keepFullIp, true);
  for (const [name, value] of [
    ['PEER_REPORT_PEER_TIMEOUT_MS', 'thirty'],
    ['PEER_REPORT_PEER_TIMEOUT_MS', '1e3'],
    ['PEER_REPORT_RETENTION_DAYS', '-1'],
    ['PEER_REPORT_PG_WRITE_CONCURRENCY', '0'],
    ['PEER_REPORT_DIAGNOSIS', 'perhaps'],
  ])
    assert.throws(() => loadConfig({}, { [name]: value }), new RegExp(`^ConfigError: ${name}:`));
  assert.throws(
    () => loadWebhookConfig({ PEER_REPORT_PUBLIC_URL: 'example.com' }),
    /PEER_REPORT_PUBLIC_URL: expected a http or https URL/,
  );
  assert.equal(
    loadWebhookConfig({ PEER_REPORT_PUBLIC_URL: 'https://x.example/' }).publicUrl,
    'https://x.example',
  );
  assert.equal(loadWebhookConfig({ PEER_REPORT_WEBHOOK_ALLOW_PRIVATE: '1' }).allowPrivate, 'all');
  // Programmatic overrides (tests, embedding) are validated too, named by their variable.
  assert.throws(() => loadConfig({ port: -1 }, {}), /^ConfigError: PEER_REPORT_PORT:/);
});

test('every variable the configuration reads is in the README table', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const sources = ['src/config.ts', 'src/webhooks/webhook-config.ts'].map((f) =>
    fs.readFileSync(path.join(root, f), 'utf8'),
  );
  const names = new Set(
    sources.flatMap((s) =>
      [...s.matchAll(/'((?:PEER_REPORT_|DATABASE_)[A-Z_]+|PORT)'/g)].map((m) => m[1]),
    ),
  );
  assert.ok(names.size > 40, `found the variables (${names.size})`);
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(0, section.indexOf('\n## ', 5));
  const rows = table.split('\n').filter((l) => l.startsWith('| `'));
  for (const name of names)
    assert.ok(
      rows.some((row) => row.split('|')[1].includes(`\`${name}\``)),
      `${name} has a row in the README's configuration table`,
    );
});

test('no source file outside the configuration reads process.env', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && fs.readFileSync(p, 'utf8').includes('process.env'))
        offenders.push(path.relative(root, p));
    }
  };
  walk(path.join(root, 'src'));
  assert.deepEqual(
    offenders.sort(),
    ['src/config.ts', 'src/util/config-reader.ts', 'src/webhooks/webhook-config.ts'],
    'process.env is read only by the configuration reader',
  );
});

/**
 * Runs Debian's coturn (`turnserver`) for one test: loopback only, a free
 * port, a temp config and log, long-term credentials. `close()` kills it and
 * removes the temp directory; nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface Coturn {
  host: string;
  port: number;
  username: string;
  credential: string;
  /** The server's log so far (for failure messages). */
  log(): string;
  close(): Promise<void>;
}

/** A STUN Binding request (RFC 5389) with a random transaction id. */
function stunBindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(0x2112a442, 4);
  for (let i = 8; i < 20; i++) b[i] = Math.floor(Math.random() * 256);
  return b;
}

/** Resolves once the server answers a STUN Binding request on UDP. */
async function waitForStun(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    while (Date.now() < deadline) {
      const answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 250);
        socket.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.send(stunBindingRequest(), port, host);
      });
      if (answered) return;
    }
    throw new Error(`turnserver did not answer STUN on ${host}:${port} within ${timeoutMs} ms`);
  } finally {
    socket.close();
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts turnserver on 127.0.0.1 and waits until it answers STUN. */
export async function startCoturn(): Promise<Coturn> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'peer-report-coturn-'));
  const username = 'peer-report';
  const credential = 'test-secret';
  const minPort = 20000 + Math.floor(Math.random() * 400) * 100;
  const logFile = join(dir, 'turn.log');
  const conf = [
    `listening-ip=${host}`,
    `relay-ip=${host}`,
    `listening-port=${port}`,
    `min-port=${minPort}`,
    `max-port=${minPort + 99}`,
    'realm=peer-report.test',
    'lt-cred-mech',
    `user=${username}:${credential}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-cli',
    'no-tcp-relay',
    // Both peers are on loopback, so the relayed peer addresses are loopback too.
    'allow-loopback-peers',
    'no-multicast-peers',
    `log-file=${logFile}`,
    'simple-log',
    `pidfile=${join(dir, 'turn.pid')}`,
    `userdb=${join(dir, 'turndb')}`,
  ].join('\n');
  const confFile = join(dir, 'turnserver.conf');
  writeFileSync(confFile, `${conf}\n`);
  let output = '';
  const child = spawn('turnserver', ['-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const log = () => {
    let file = '';
    try {
      file = readFileSync(logFile, 'utf8');
    } catch {
      // not written yet
    }
    return `${output}\n${file}`.slice(-8000);
  };
  // If the test process dies without running `close()`, do not leave a TURN server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const cleanup = async () => {
    process.removeListener('exit', killOnExit);
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`turnserver exited (${code}):\n${log()}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForStun(host, port, 15_000), exited]);
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { host, port, username, credential, log, close: cleanup };
}

/**
 * `peer-report serve` binds where it is told (`--host`, else PEER_REPORT_HOST,
 * else loopback) and its start-up line tells the true bind address (issue 11:
 * it listened on 0.0.0.0 while the line said 127.0.0.1, and `serve` ignored
 * PEER_REPORT_HOST).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnServerProcess, type ServerProcess } from '../support/server-process.ts';

const dirs: string[] = [];
const running: ServerProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function serve(host: string | null, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-bind-'));
  dirs.push(dataDir);
  const p = await spawnServerProcess({ dataDir, host, env: { PEER_REPORT_HOST: '', ...env } });
  running.push(p);
  return p;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('PEER_REPORT_HOST is honoured by serve, and the line names the address bound', async () => {
  const p = await serve(null, { PEER_REPORT_HOST: '127.0.0.2' });
  const port = Number(new URL(p.url).port);
  assert.match(p.line, new RegExp(`^listening on http://127\\.0\\.0\\.2:${port} `));
  assert.equal(await reachable('127.0.0.2', port), true);
  assert.equal(await reachable('127.0.0.1', port), false, 'bound to 127.0.0.2 only');
  await p.stop();
});

test('--host wins over PEER_REPORT_HOST', async () => {
  const p = await serve('127.0.0.3', { PEER_REPORT_HOST: '127.0.0.2' });
  const port = Number(new URL(p.url).port);
  assert.equal(await reachable('127.0.0.3', port), true);
  assert.equal(await reachable('127.0.0.2', port), false);
  await p.stop();
});

test('the default is loopback only; every interface is a choice, and the line says so', async () => {
  const local = await serve(null);
  const port = Number(new URL(local.url).port);
  assert.match(local.line, new RegExp(`listening on http://127\\.0\\.0\\.1:${port} `));
  assert.equal(
    await reachable('127.0.0.2', port),
    false,
    'the default must not listen beyond 127.0.0.1',
  );
  await local.stop();
  const all = await serve('0.0.0.0');
  const allPort = Number(new URL(all.url).port);
  assert.match(
    all.line,
    new RegExp(
      `listening on http://0\\.0\\.0\\.0:${allPort} .*local URL http://127\\.0\\.0\\.1:${allPort}`,
    ),
  );
  assert.equal(await reachable('127.0.0.2', allPort), true);
  await all.stop();
});

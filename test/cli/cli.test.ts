/**
 * The CLI as an operator uses it: real processes, a real data directory.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binEnv } from '../support/server-process.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/peer-report.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: binEnv({ DATABASE_URL: '', ...env }),
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function startServe(
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...extra],
    {
      cwd: root,
      env: binEnv({ DATABASE_URL: '' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

let dataDir: string;
before(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-cli-'));
});
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('peer-report CLI', () => {
  test('--help on every command, usage errors exit 2', () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['token', 'create', '--help'],
      ['simulate', '--help'],
    ]) {
      const r = cli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage: peer-report/);
    }
    const missing = cli(['token', 'create']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--account/);
    const badPermission = cli(['token', 'create', '--account', 'a1', '--permission', 'root']);
    assert.equal(badPermission.code, 2);
    const unknown = cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    const badAccount = cli(['token', 'create', '--account', 'a b', '--data', dataDir]);
    assert.equal(badAccount.code, 1);
    assert.match(badAccount.stderr, /--account/);
  });

  test('token create prints only the token, while the server runs on the same data directory, and the token works', async () => {
    const { child, url } = await startServe(dataDir);
    try {
      const r = cli(['token', 'create', '--account', 'acct-cli', '--data', dataDir]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^prk_[A-Za-z0-9_-]{43}\n$/);
      const token = r.stdout.trim();
      const res = await fetch(`${url}/client/v4/accounts/acct-cli/realtime/kit/apps`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      const ro = cli([
        'token',
        'create',
        '--account',
        'acct-cli',
        '--permission',
        'Realtime',
        '--data',
        dataDir,
      ]).stdout.trim();
      const denied = await fetch(`${url}/client/v4/accounts/acct-cli/realtime/kit/apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ro}`, 'content-type': 'application/json' },
        body: '{"name":"x"}',
      });
      assert.equal(denied.status, 403);

      // simulate prints one peer id per line, and the peers are readable.
      const app = (await (
        await fetch(`${url}/client/v4/accounts/acct-cli/realtime/kit/apps`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"name":"cli app"}',
        })
      ).json()) as { data: { app: { id: string } } };
      const sim = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const p = spawn(
          process.execPath,
          [
            bin,
            'simulate',
            '--url',
            url,
            '--token',
            token,
            '--account',
            'acct-cli',
            '--app',
            app.data.app.id,
            '--profile',
            'congested-4g',
            '--minutes',
            '1',
            '--peers',
            '3',
          ],
          { cwd: root, env: binEnv() },
        );
        let stdout = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.on('exit', (code) => resolve({ code, stdout }));
      });
      assert.equal(sim.code, 0);
      const ids = sim.stdout.trim().split('\n');
      assert.equal(ids.length, 3);
      for (const id of ids) {
        assert.match(id, /^[0-9a-f-]{36}$/);
        const rep = await fetch(
          `${url}/client/v4/accounts/acct-cli/realtime/kit/${app.data.app.id}/sessions/peer-report/${id}?filters=quality_stats`,
          {
            headers: { authorization: `Bearer ${token}` },
          },
        );
        assert.equal(rep.status, 200);
        const body = (await rep.json()) as {
          data: {
            participant: {
              peer_report: { quality: { audio_producer: unknown[]; audio_consumer: unknown[] } };
            };
          };
        };
        assert.equal(body.data.participant.peer_report.quality.audio_producer.length, 30);
        assert.equal(
          body.data.participant.peer_report.quality.audio_consumer.length,
          60,
          'one audio consumer per remote peer',
        );
      }
      const badSim = cli([
        'simulate',
        '--url',
        url,
        '--token',
        token,
        '--account',
        'acct-cli',
        '--app',
        app.data.app.id,
        '--minutes',
        '-3',
      ]);
      assert.equal(badSim.code, 1);
      assert.match(badSim.stderr, /--minutes/);
    } finally {
      assert.equal(await stop(child), 0, 'serve exits cleanly on SIGTERM');
    }
  });

  test('serve --workers 2 shares one embedded database between processes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-cli-workers-'));
    const { child, url } = await startServe(dir, ['--workers', '2']);
    try {
      const token = cli(['token', 'create', '--account', 'acct-w', '--data', dir]).stdout.trim();
      const app = (await (
        await fetch(`${url}/client/v4/accounts/acct-w/realtime/kit/apps`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"name":"w"}',
        })
      ).json()) as { data: { app: { id: string } } };
      const sim = cli([
        'simulate',
        '--url',
        url,
        '--token',
        token,
        '--account',
        'acct-w',
        '--app',
        app.data.app.id,
        '--minutes',
        '2',
        '--peers',
        '4',
      ]);
      assert.equal(sim.code, 0, sim.stderr);
      const ids = sim.stdout.trim().split('\n');
      assert.equal(ids.length, 4);
      // Reports read repeatedly (spread over both workers) are identical.
      for (const id of ids) {
        const bodies = new Set<string>();
        for (let i = 0; i < 4; i++) {
          const rep = await fetch(
            `${url}/client/v4/accounts/acct-w/realtime/kit/${app.data.app.id}/sessions/peer-report/${id}?filters=quality_stats`,
            {
              headers: { authorization: `Bearer ${token}`, connection: 'close' },
            },
          );
          const body = (await rep.json()) as {
            data: { participant: { peer_report: { quality: { video_producer: unknown[] } } } };
          };
          assert.equal(body.data.participant.peer_report.quality.video_producer.length, 60);
          bodies.add(JSON.stringify(body.data.participant.peer_report.quality.video_producer));
        }
        assert.equal(bodies.size, 1);
      }
    } finally {
      assert.equal(await stop(child), 0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `peer-report export` as an operator runs it (a real process on the
 * database of a running server, on the store TEST_DATABASE_URL selects; here
 * rather than in test/cli so that it runs on both stores): the
 * same bytes as the API route, the next cursor on stderr, resumption with
 * `--cursor`, usage errors naming the option.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binEnv } from '../support/server-process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation } from '../../src/simulate/simulate-run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/peer-report.js');
const SINCE = '2000-01-01T00:00:00Z';
const UNTIL = '2100-01-01T00:00:00Z';

let t: TestServer;
before(async () => {
  t = await startTestServer();
  await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'clean',
    minutes: 1,
    peers: 3,
  });
});
after(() => t.close());

/** Runs the CLI without blocking this process's event loop (the server under test runs in it). */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: binEnv({ DATABASE_URL: t.server.config.databaseUrl ?? '' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

function cli(args: string[]) {
  return run(['export', '--account', t.accountId, '--app', t.appId, '--data', t.dataDir, ...args]);
}

async function route(query: string): Promise<string> {
  const res = await fetch(
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/export/peers?since=${SINCE}&until=${UNTIL}&${query}`,
    { headers: { authorization: `Bearer ${t.readToken}` } },
  );
  assert.equal(res.status, 200);
  return res.text();
}

describe('peer-report export', () => {
  test('writes what the API route serves, and the next cursor to stderr', async () => {
    for (const format of ['ndjson', 'csv']) {
      const r = await cli(['--since', SINCE, '--until', UNTIL, '--format', format]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, await route(`format=${format}`));
    }
    const rows = (await route('format=ndjson'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { cursor: string });
    const r = await cli(['--since', SINCE, '--until', UNTIL]);
    assert.match(r.stderr, new RegExp(`rows=3\tnext_cursor=${rows[2].cursor}\n`));
  });

  test('--limit then --cursor: exactly the rest', async () => {
    const all = (await route('format=ndjson')).trim().split('\n');
    const first = await cli(['--since', SINCE, '--until', UNTIL, '--limit', '2']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.stdout.trim().split('\n'), all.slice(0, 2));
    const cursor = /next_cursor=(\S+)/.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const rest = await cli(['--since', SINCE, '--until', UNTIL, '--cursor', cursor]);
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(rest.stdout.trim().split('\n'), all.slice(2));
    // Past the end: nothing, and the cursor stays where it was.
    const none = await cli([
      '--since',
      SINCE,
      '--until',
      UNTIL,
      '--cursor',
      /next_cursor=(\S+)/.exec(rest.stderr)![1],
    ]);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /rows=0\tnext_cursor=\S+/);
  });

  test('bad options are usage errors naming the option; an unknown app is a failure', async () => {
    for (const [args, option] of [
      [['--since', 'last week', '--until', UNTIL], '--since'],
      [['--since', SINCE, '--until', SINCE], '--until'],
      [['--since', SINCE, '--until', UNTIL, '--format', 'xlsx'], '--format'],
      [['--since', SINCE, '--until', UNTIL, '--cursor', 'nope'], '--cursor'],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(`${option}: `), r.stderr);
      assert.equal(r.stdout, '');
    }
    const missing = await cli(['--since', SINCE]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--until/);
    const r = await run([
      'export',
      '--account',
      t.accountId,
      '--app',
      'no-such-app',
      '--since',
      SINCE,
      '--until',
      UNTIL,
      '--data',
      t.dataDir,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--app: no app 'no-such-app'/);
  });
});

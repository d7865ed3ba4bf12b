/**
 * API token lifecycle (issue 11 item 4), on either store, with two real
 * server processes on it: tokens are listed (never their secret or hash),
 * revoked and expired through the account API and through the CLI while the
 * servers run, and a revoked or expired token is refused by every process
 * within the auth cache's lifetime; `last_used_at` is recorded, throttled.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { binEnv, spawnServerProcess, type ServerProcess } from '../support/server-process.ts';
import { TOKEN_CACHE_TTL_MS } from '../../src/api/auth.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/peer-report.js');

let t: TestServer;
let b: ServerProcess;
before(async () => {
  t = await startTestServer();
  b = await spawnServerProcess({
    dataDir: t.dataDir,
    env: t.databaseUrl ? { DATABASE_URL: t.databaseUrl } : { DATABASE_URL: '' },
  });
});
after(async () => {
  await b?.stop();
  await t?.close();
});

/** Runs the CLI on the test server's store. */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = binEnv({ DATABASE_URL: t.databaseUrl ?? '' });
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args, '--data', t.dataDir], {
      cwd: root,
      env,
      timeout: 120_000,
    });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function tokensUrl(baseUrl: string, id?: string): string {
  return `${baseUrl}/client/v4/accounts/${t.accountId}/realtime/kit/tokens${id ? `/${id}` : ''}`;
}

async function call(
  method: string,
  url: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

/** GET apps with `token` on `baseUrl`: the status. */
async function appsStatus(baseUrl: string, token: string): Promise<number> {
  return (
    await call('GET', `${baseUrl}/client/v4/accounts/${t.accountId}/realtime/kit/apps`, token)
  ).status;
}

/** Polls until `token` is refused (401) on `baseUrl`; returns how long that took (ms). */
async function msUntilRefused(baseUrl: string, token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await appsStatus(baseUrl, token);
    if (status === 401) return Date.now() - started;
    assert.equal(status, 200);
    assert.ok(Date.now() - started < limitMs, `token still accepted after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('tokens through the account API', () => {
  test('create returns the secret once; list never does; the read-only token may not manage tokens', async () => {
    const created = await call('POST', tokensUrl(t.url), t.token, {
      name: 'ci',
      permission: 'Realtime',
      expires_in: '30d',
    });
    assert.equal(created.status, 201, created.text);
    const secret = created.json.data.token as string;
    assert.match(secret, /^prk_/);
    assert.equal(created.json.data.permission, 'Realtime');
    assert.equal(created.json.data.account_id, t.accountId);
    const expires = Date.parse(created.json.data.expires_at);
    assert.ok(
      Math.abs(expires - (Date.now() + 30 * 86_400_000)) < 120_000,
      created.json.data.expires_at,
    );

    const listed = await call('GET', tokensUrl(b.url), t.token);
    assert.equal(listed.status, 200, listed.text);
    const row = (listed.json.data as any[]).find((x) => x.id === created.json.data.id);
    assert.deepEqual(Object.keys(row).sort(), [
      'account_id',
      'created_at',
      'expires_at',
      'id',
      'last_used_at',
      'name',
      'permission',
      'revoked_at',
    ]);
    assert.ok(
      !listed.text.includes(secret) &&
        !listed.text.includes(createHash('sha256').update(secret).digest('hex')),
      'no secret or hash in the list',
    );
    assert.ok(!listed.text.includes(t.token), 'no secret of the caller either');
    assert.ok(
      (listed.json.data as any[]).every((x) => x.account_id === t.accountId),
      '(listed.json.data as any[]).every((x) => x.account_id === t.accountId)',
    );

    for (const [method, url, body] of [
      ['GET', tokensUrl(t.url), undefined],
      ['POST', tokensUrl(t.url), {}],
      ['DELETE', tokensUrl(t.url, created.json.data.id), undefined],
    ] as const) {
      const r = await call(method, url, t.readToken, body);
      assert.equal(r.status, 403, `${method}: ${r.text}`);
    }
    // The new read-only token works, on both processes.
    assert.equal(await appsStatus(t.url, secret), 200);
    assert.equal(await appsStatus(b.url, secret), 200);
  });

  test('bad input is a 400 naming the field; an unknown or foreign token id is a 404', async () => {
    const bad = await call('POST', tokensUrl(t.url), t.token, { expires_in: 'forever' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0].message, /expires_in/);
    const perm = await call('POST', tokensUrl(t.url), t.token, { permission: 'root' });
    assert.equal(perm.status, 400);
    assert.match(perm.json.errors[0].message, /permission/);
    assert.equal((await call('DELETE', tokensUrl(t.url, 'no-such-token'), t.token)).status, 404);
    // Another account's token cannot be revoked through this account.
    const other = await cli(['token', 'create', '--account', 'other-account']);
    const otherId = JSON.parse(
      (await cli(['token', 'list', '--account', 'other-account', '--json'])).stdout,
    )[0].id as string;
    assert.equal((await call('DELETE', tokensUrl(t.url, otherId), t.token)).status, 404);
    assert.equal(await appsStatusOf('other-account', other.stdout.trim()), 200);
  });

  test('a token revoked on one process is refused by the other within the cache lifetime', async () => {
    const created = await call('POST', tokensUrl(t.url), t.token, { permission: 'Realtime Admin' });
    const { id, token } = created.json.data;
    // Both processes have the token cached as valid.
    assert.equal(await appsStatus(t.url, token), 200);
    assert.equal(await appsStatus(b.url, token), 200);
    const revoked = await call('DELETE', tokensUrl(t.url, id), t.token);
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(revoked.json.data.revoked_at, 'revoked.json.data.revoked_at');
    const took = await msUntilRefused(b.url, token, TOKEN_CACHE_TTL_MS + 2_000);
    assert.ok(took <= TOKEN_CACHE_TTL_MS + 2_000, 'took <= TOKEN_CACHE_TTL_MS + 2_000');
    assert.equal(await appsStatus(t.url, token), 401);
    // Revoking again keeps the first time.
    const again = await call('DELETE', tokensUrl(b.url, id), t.token);
    assert.equal(again.json.data.revoked_at, revoked.json.data.revoked_at);
  });

  test('an expired token is refused, even while cached', async () => {
    const created = await call('POST', tokensUrl(t.url), t.token, { expires_in: '2s' });
    const token = created.json.data.token as string;
    assert.equal(await appsStatus(t.url, token), 200);
    assert.equal(await appsStatus(b.url, token), 200);
    await new Promise((r) =>
      setTimeout(r, Date.parse(created.json.data.expires_at) - Date.now() + 50),
    );
    assert.equal(await appsStatus(t.url, token), 401);
    assert.equal(await appsStatus(b.url, token), 401);
  });

  test('last_used_at is recorded on use, and not rewritten on every request', async () => {
    const created = await call('POST', tokensUrl(t.url), t.token, {});
    const { id, token } = created.json.data;
    assert.equal(created.json.data.last_used_at, null);
    const lastUsed = async () =>
      (
        await databaseOf(t.server.context.store)
          .db.selectFrom('api_tokens')
          .select('last_used_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    assert.equal(await appsStatus(t.url, token), 200);
    let first: number | null = null;
    for (let i = 0; i < 50 && first === null; i++) {
      first = await lastUsed();
      if (first === null) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(first !== null, 'last_used_at written');
    for (let i = 0; i < 5; i++) assert.equal(await appsStatus(t.url, token), 200);
    for (let i = 0; i < 5; i++) assert.equal(await appsStatus(b.url, token), 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      Number(await lastUsed()),
      Number(first),
      'throttled: one write for a burst of requests, across processes',
    );
  });
});

async function appsStatusOf(accountId: string, token: string): Promise<number> {
  return (await call('GET', `${t.url}/client/v4/accounts/${accountId}/realtime/kit/apps`, token))
    .status;
}

describe('tokens through the CLI, while the servers run', () => {
  test('create --expires-in, list, revoke', async () => {
    const created = await cli([
      'token',
      'create',
      '--account',
      t.accountId,
      '--permission',
      'Realtime',
      '--name',
      'cli token',
      '--expires-in',
      '12h',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.equal(await appsStatus(b.url, secret), 200);

    const list = await cli(['token', 'list', '--account', t.accountId]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(
      !list.stdout.includes(secret) &&
        !list.stdout.includes(createHash('sha256').update(secret).digest('hex')),
    );
    const line = list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .find((f) => f[7] === 'cli token');
    assert.ok(line, list.stdout);
    const [id, account, permission, createdAt, lastUsed, expiresAt, revokedAt] = line;
    assert.equal(account, t.accountId);
    assert.equal(permission, 'Realtime');
    assert.ok(Date.parse(createdAt) > 0, 'Date.parse(createdAt) > 0');
    assert.ok(Date.parse(lastUsed) >= Date.parse(createdAt), `used once: ${lastUsed}`);
    assert.ok(
      Math.abs(Date.parse(expiresAt) - (Date.parse(createdAt) + 12 * 3_600_000)) < 5_000,
      'Math.abs(Date.parse(expiresAt) - (Date.parse(createdAt) + 12 * 3_600_000)) < ...',
    );
    assert.equal(revokedAt, '-');

    const revoked = await cli(['token', 'revoke', id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    await msUntilRefused(b.url, secret, TOKEN_CACHE_TTL_MS + 2_000);
    await msUntilRefused(t.url, secret, TOKEN_CACHE_TTL_MS + 2_000);

    const unknown = await cli(['token', 'revoke', 'no-such-id']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no token with id 'no-such-id'/);
    const badDuration = await cli([
      'token',
      'create',
      '--account',
      t.accountId,
      '--expires-in',
      '3 fortnights',
    ]);
    assert.equal(badDuration.code, 1);
    assert.match(badDuration.stderr, /--expires-in/);
  });
});

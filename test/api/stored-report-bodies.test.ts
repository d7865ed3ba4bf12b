/**
 * Finished reports stored compressed (issue 16, target 3), on the store TEST_DATABASE_URL selects: the open
 * compressed stream finished with any end decodes to the bytes it stands for (brotli and gzip); through the
 * real server with the memory cache off, a finished report's compressed answer is stored once (by the first
 * answer in that coding, or in brotli by the first identity answer), served from the database afterwards (an
 * identity answer decodes the stored brotli body), equals the identity answer (its `quality_cohort` included), is replaced when the peer's
 * version moves, and goes with the peer's telemetry.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { compactFinishedPeers } from '../../src/store/chunk-compaction.ts';
import { applyRetention } from '../../src/store/retention.ts';
import { closeCompressedBody, openCompressedBody } from '../../src/api/open-compressed-body.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

function decode(body: Buffer, coding: string | undefined): Buffer {
  if (coding === 'br') return zlib.brotliDecompressSync(body);
  if (coding === 'gzip') return zlib.gunzipSync(body);
  assert.equal(coding, undefined, `unexpected coding ${coding}`);
  return body;
}

describe('open compressed bodies (pure)', () => {
  const head = Buffer.from(
    JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ i, v: (i * 7919) % 1000 }))),
  );
  for (const coding of ['br', 'gzip'] as const) {
    test(`${coding}: the stream finished with any end decodes to head + end`, async () => {
      for (const headBytes of [head, head.subarray(0, 0), head.subarray(0, 3)]) {
        const open = await openCompressedBody(headBytes, coding);
        // Empty, tiny, multibyte UTF-8, and longer than one uncompressed/stored block (64 KB).
        for (const tail of ['', '}}', 'é€😀'.repeat(50), 'x'.repeat(70_000), 'ab'.repeat(66_000)]) {
          const tailBytes = Buffer.from(tail);
          const whole = closeCompressedBody(open, coding, tailBytes);
          assert.ok(
            decode(whole, coding).equals(Buffer.concat([headBytes, tailBytes])),
            `${coding}: ${headBytes.length} B head + ${tailBytes.length} B tail`,
          );
        }
      }
      const compressed = closeCompressedBody(
        await openCompressedBody(head, coding),
        coding,
        Buffer.from('}'),
      );
      assert.ok(
        compressed.length < head.length / 4,
        `${coding} compresses (${compressed.length} of ${head.length} B)`,
      );
    });
  }
});

/** A raw GET (fetch would decode the body itself). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject);
  });
}

describe('finished reports stored compressed', () => {
  let t: TestServer;
  let peers: SimulatedPeer[];
  const reportUrl = (peerId: string) =>
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}`;
  const get = (peerId: string, accept: string) =>
    rawGet(reportUrl(peerId), {
      authorization: `Bearer ${t.readToken}`,
      'accept-encoding': accept,
    });
  const storedRows = (peerId: string) =>
    databaseOf(t.server.context.store)
      .db.selectFrom('peer_report_bodies')
      .select(['coding', 'stamp', 'body'])
      .where('peer_id', '=', peerId)
      .orderBy('coding')
      .execute();

  before(async () => {
    // The memory cache off: every answer below comes from the database or is made afresh.
    t = await startTestServer({ reportCacheMb: 0, compactAfterMs: 3_600_000 });
    peers = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'lossy-wifi',
      minutes: 2,
      peers: 2,
      seed: 5,
    });
    // Compacted and rolled up, so the report has its quality_cohort.
    const { db, dialect } = databaseOf(t.server.context.store);
    await compactFinishedPeers(db, dialect, Date.now(), 0, 100);
  });
  after(() => t.close());

  test('stored once per coding, then served from the database, equal to the identity answer', async () => {
    const id = peers[0].peerId;
    const identity = await get(id, 'identity');
    assert.equal(identity.status, 200);
    const plain = identity.body;
    assert.ok(
      JSON.parse(plain.toString()).data.quality_cohort,
      'the finished, rolled-up peer has a quality_cohort',
    );
    assert.deepEqual(
      (await storedRows(id)).map((r) => r.coding),
      ['br'],
      'the first identity answer stores the brotli body',
    );
    const again = await get(id, 'identity');
    assert.equal(again.headers['content-encoding'], undefined, 'identity answered as identity');
    assert.ok(again.body.equals(plain), 'decoded from the stored body: the same bytes');
    for (const coding of ['br', 'gzip'] as const) {
      const first = await get(id, coding);
      assert.equal(first.headers['content-encoding'], coding);
      assert.ok(
        decode(first.body, coding).equals(plain),
        `${coding}: the first answer decodes to the identity bytes`,
      );
      const second = await get(id, coding);
      assert.ok(second.body.equals(first.body), `${coding}: the stored answer is the same bytes`);
    }
    const rows = await storedRows(id);
    assert.deepEqual(
      rows.map((r) => r.coding),
      ['br', 'gzip'],
      'one stored body per coding',
    );

    // The answer is the stored body: a stored body of other content is what the next answer decodes to.
    const other = Buffer.from(plain.toString().replace('"success":true', '"success":true '));
    const replaced = await openCompressedBody(other.subarray(0, other.length - 2), 'br');
    await databaseOf(t.server.context.store)
      .db.updateTable('peer_report_bodies')
      .set({ body: replaced })
      .where('peer_id', '=', id)
      .where('coding', '=', 'br')
      .execute();
    const fromStore = JSON.parse(decode((await get(id, 'br')).body, 'br').toString());
    const cohort = JSON.parse(plain.toString()).data.quality_cohort;
    assert.deepEqual(
      fromStore.data.quality_cohort,
      cohort,
      'the cohort is added to the stored body',
    );
    assert.ok(
      decode((await get(id, 'br')).body, 'br')
        .toString()
        .startsWith('{"success":true ,'),
      'the answer is the stored body',
    );
    const identityFromStore = (await get(id, 'identity')).body.toString();
    assert.ok(
      identityFromStore.startsWith('{"success":true ,'),
      'the identity answer is the stored body, decoded',
    );
    assert.deepEqual(
      JSON.parse(identityFromStore).data.quality_cohort,
      cohort,
      'with the cohort of this request',
    );

    // The peer's version moves (as a late batch bumps it): the stored body is stale and replaced.
    const oldStamp = rows.find((r) => r.coding === 'br')!.stamp;
    await databaseOf(t.server.context.store)
      .db.updateTable('peers')
      .set({ updated_at: Date.now() + 1000 })
      .where('id', '=', id)
      .execute();
    const fresh = await get(id, 'br');
    assert.ok(decode(fresh.body, 'br').equals((await get(id, 'identity')).body), 'made afresh');
    const after = (await storedRows(id)).find((r) => r.coding === 'br')!;
    assert.notEqual(after.stamp, oldStamp, 'stored again at the new version');
  });

  test('filtered reports are stored apart and decode to their identity answers', async () => {
    const id = peers[1].peerId;
    const url = `${reportUrl(id)}?filters=device_info&include_peer_events=true`;
    const headers = { authorization: `Bearer ${t.readToken}` };
    const plain = (await rawGet(url, { ...headers, 'accept-encoding': 'identity' })).body;
    const full = (await get(id, 'identity')).body;
    for (let round = 0; round < 2; round++) {
      const br = await rawGet(url, { ...headers, 'accept-encoding': 'br' });
      if (br.headers['content-encoding'] === undefined) {
        assert.ok(br.body.equals(plain), 'a small filtered answer is sent as it is');
      } else assert.ok(decode(br.body, 'br').equals(plain), `round ${round}: the filtered report`);
      assert.ok(
        decode((await get(id, 'br')).body, 'br').equals(full),
        `round ${round}: the full report`,
      );
    }
  });

  test('retention removes the stored bodies with the telemetry', async () => {
    const id = peers[1].peerId;
    await get(id, 'br');
    assert.ok((await storedRows(id)).length > 0, 'stored');
    const { db, dialect } = databaseOf(t.server.context.store);
    await applyRetention(db, dialect, Date.now() + 10 * 86_400_000, 1);
    assert.deepEqual(await storedRows(id), [], 'removed with the telemetry');
    assert.equal((await get(id, 'br')).status, 404, 'the expired peer has no report');
  });
});

/**
 * The two ways in: the HTTP upload (streamed, size-limited, authenticated)
 * and the `peer-report import` CLI, on the dumps recorded with Debian's
 * Chromium (scripts/record-webrtc-internals-dump.ts); imported peers are read
 * back with the official SDK. Plus the all-or-nothing guarantee.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { parseDump } from '../../src/import/parse-dump.ts';
import { storeParsedDump } from '../../src/import/import-dump.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ownFixture, realdata } from './fixture-paths.ts';
import { extendSeries, readInternals } from './internals-helpers.ts';
import { readReport, totalsBySsrc, type ImportedReport } from './report-helpers.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const TWO_TABS = ownFixture('webrtc-internals/chromium-156-two-tabs.json.gz');
const LOOPBACK = ownFixture('webrtc-internals/chromium-156-loopback.json.gz');
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

interface UploadAnswer {
  status: number;
  body: {
    success: boolean;
    data?: {
      format: string;
      session_id: string;
      meeting_id: string;
      peers: {
        peer_id: string;
        label: string;
        pcs: string[];
        partial?: { complete_from: string; reason: string };
      }[];
    };
    errors?: { message: string }[];
  };
}

async function upload(
  server: TestServer,
  bytes: Uint8Array,
  token = server.token,
  appId = server.appId,
): Promise<UploadAnswer> {
  const res = await fetch(
    `${server.baseURL}/accounts/${server.accountId}/realtime/kit/${appId}/imports`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    },
  );
  return { status: res.status, body: (await res.json()) as UploadAnswer['body'] };
}

/** What one end sent must be what the other received (same SSRCs), within 1 %. */
function assertProducerMatchesConsumer(sender: ImportedReport, receiver: ImportedReport): number {
  const sent = totalsBySsrc(sender);
  const received = totalsBySsrc(receiver);
  let compared = 0;
  for (const [key, s] of sent) {
    if (!key.startsWith('producer|')) continue;
    const r = received.get(key.replace('producer|', 'consumer|'));
    if (!r) continue;
    compared++;
    assert.equal(r.media, s.media, key);
    const arrived = r.packets + r.lost;
    assert.ok(
      Math.abs(s.packets - arrived) <= Math.max(3, s.packets * 0.01),
      `${key}: sent ${s.packets}, received ${arrived}`,
    );
  }
  return compared;
}

describe('HTTP upload', () => {
  test('a gzipped webrtc-internals dump of a two-tab call: two peers of one session whose figures agree', async () => {
    const dump = readInternals(TWO_TABS);
    const answer = await upload(t, readFileSync(TWO_TABS));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const data = answer.body.data!;
    assert.equal(data.format, 'webrtc-internals');
    assert.equal(
      data.peers.length,
      new Set(Object.values(dump.PeerConnections).map((pc) => pc.pid)).size,
    );
    const [a, b] = await Promise.all(data.peers.map((p) => readReport(t, p.peer_id)));
    assert.equal(a.session_id, data.session_id);
    assert.equal(b.session_id, data.session_id);
    assert.ok(assertProducerMatchesConsumer(a, b) >= 2, 'audio and video of A compared');
    assert.ok(assertProducerMatchesConsumer(b, a) >= 2, 'audio and video of B compared');
    assert.equal(a.peer_report.metadata.browser_metadata?.user_agent, dump.UserAgent);
    const names = (a.peer_report.metadata.events ?? []).map((e) => e.name);
    assert.ok(
      names.includes('connection_state_change') && names.includes('selected_candidate_pair_change'),
      names.join(','),
    );
  });

  test('a long call at the 1000-value cap is imported as partial, with the time it is complete from', async () => {
    const dump = readInternals(TWO_TABS);
    const [key] = Object.keys(dump.PeerConnections);
    const first = (
      JSON.parse(dump.PeerConnections[key].stats['T01-timestamp'].values) as number[]
    )[0];
    const answer = await upload(t, gzipSync(JSON.stringify(extendSeries(dump, key, 1000))));
    assert.equal(answer.status, 201);
    const peer = answer.body.data!.peers.find((p) => p.pcs.includes(key))!;
    assert.equal(peer.partial?.complete_from, new Date(Math.round(first)).toISOString());
  });

  test('unsupported files get 422 naming the problem; auth and app are checked', async () => {
    const old = await upload(
      t,
      readFileSync(realdata('jitsi-rtcstats-server/dumps/clienttest.json')),
    );
    assert.equal(old.status, 422);
    assert.match(old.body.errors![0].message, /2016 rtcstats client format.*key peerConnections/);
    const lines = readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay'), 'utf8').split(
      '\n',
    );
    lines[30] = 'this is not json';
    const corrupt = await upload(t, Buffer.from(lines.join('\n')));
    assert.equal(corrupt.status, 422);
    assert.match(corrupt.body.errors![0].message, /line 31/);
    assert.equal((await upload(t, Buffer.from('x'), 'not-a-token')).status, 401);
    assert.equal((await upload(t, Buffer.from('x'), t.readToken)).status, 403);
    assert.equal(
      (await upload(t, Buffer.from('x'), t.token, '00000000-0000-4000-8000-000000000000')).status,
      404,
    );
  });

  test('a truncated or corrupt gzip upload gets 422 saying so (not 500, not zlib text); an empty body is refused too', async () => {
    const zipped = gzipSync(readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay')));
    const truncated = await upload(t, zipped.subarray(0, zipped.length - 100));
    assert.equal(truncated.status, 422, JSON.stringify(truncated.body));
    assert.match(truncated.body.errors![0].message, /gzip stream is truncated/);
    assert.equal((truncated.body.errors![0] as { code?: number }).code, 1009);
    const damaged = Buffer.from(zipped);
    damaged[zipped.length - 6] = damaged[zipped.length - 6]! ^ 0xff;
    const corrupt = await upload(t, damaged);
    assert.equal(corrupt.status, 422);
    assert.match(corrupt.body.errors![0].message, /gzip stream is corrupt/);
    const zip = await upload(t, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]));
    assert.equal(zip.status, 422);
    assert.match(zip.body.errors![0].message, /compressed with zip/);
    const empty = await upload(t, new Uint8Array(0));
    assert.ok(empty.status === 400 || empty.status === 422, `empty body: ${empty.status}`);
    assert.match(empty.body.errors![0].message, /empty|send the dump file/);
    const meetings = await databaseOf(t.server.context.store)
      .db.selectFrom('meetings')
      .select('id')
      .where('title', 'like', '%chrome-relay%')
      .execute();
    assert.equal(meetings.length, 0, 'nothing stored');
  });

  test('bodies over the limit get 413, compressed or once decompressed', async () => {
    const small = await startTestServer({ maxImportBodyBytes: 100_000 });
    try {
      const plain = readFileSync(realdata('jitsi-rtcstats-server/dumps/google-standard-stats-sfu'));
      assert.ok(plain.length > 100_000, 'the plain dump is over the limit');
      assert.equal((await upload(small, plain)).status, 413);
      // Under the limit on the wire, over it once gunzipped (zip-bomb guard).
      const zipped = gzipSync(plain);
      assert.ok(zipped.length < 100_000, 'the gzipped dump is under the limit');
      const answer = await upload(small, zipped);
      assert.equal(answer.status, 413, JSON.stringify(answer.body));
      const meetings = await databaseOf(small.server.context.store)
        .db.selectFrom('meetings')
        .select('id')
        .execute();
      assert.equal(meetings.length, 0, 'nothing stored');
    } finally {
      await small.close();
    }
  });
});

describe('CLI', () => {
  test(
    'peer-report import prints one line per peer, peer_id first; the peers are readable with the SDK',
    {
      skip: process.env.TEST_DATABASE_URL
        ? 'the CLI test shares the embedded database file'
        : false,
    },
    async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          CLI,
          'import',
          LOOPBACK,
          '--account',
          t.accountId,
          '--app',
          t.appId,
          '--data',
          t.dataDir,
        ],
        {
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
        },
      );
      const lines = stdout.trim().split('\n');
      assert.equal(lines.length, 2, 'both ends of the loopback call');
      const peers = lines.map((l) => l.split('\t'));
      for (const fields of peers) {
        assert.match(fields[0], /^[0-9a-f-]{36}$/);
        assert.ok(fields.includes('format=webrtc-internals'), fields.join(' '));
      }
      const [a, b] = await Promise.all(peers.map((f) => readReport(t, f[0])));
      assert.ok(
        assertProducerMatchesConsumer(a, b) + assertProducerMatchesConsumer(b, a) >= 2,
        'audio and video compared',
      );
    },
  );

  test(
    'a corrupt file makes the CLI fail with the problem and create nothing',
    { skip: process.env.TEST_DATABASE_URL ? 'shares the embedded database file' : false },
    async () => {
      const before = (
        await databaseOf(t.server.context.store).db.selectFrom('meetings').select('id').execute()
      ).length;
      await assert.rejects(
        promisify(execFile)(process.execPath, [
          '--import',
          'tsx',
          CLI,
          'import',
          realdata('jitsi-rtcstats-server/dumps/clienttest.json'),
          '--account',
          t.accountId,
          '--app',
          t.appId,
          '--data',
          t.dataDir,
        ]),
        (err: { code?: number; stderr?: string }) => {
          assert.equal(err.code, 1);
          assert.match(
            err.stderr ?? '',
            /error: unsupported format: this is the 2016 rtcstats client format/,
          );
          return true;
        },
      );
      assert.equal(
        (await databaseOf(t.server.context.store).db.selectFrom('meetings').select('id').execute())
          .length,
        before,
      );
    },
  );
});

test(
  "CLI: a truncated gzip file fails with the same words as the API, not zlib's",
  { skip: process.env.TEST_DATABASE_URL ? 'shares the embedded database file' : false },
  async () => {
    const zipped = gzipSync(readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay')));
    const dir = mkdtempSync(join(tmpdir(), 'peer-report-gz-'));
    const file = join(dir, 'cut.json.gz');
    writeFileSync(file, zipped.subarray(0, zipped.length - 100));
    try {
      await assert.rejects(
        promisify(execFile)(process.execPath, [
          '--import',
          'tsx',
          CLI,
          'import',
          file,
          '--account',
          t.accountId,
          '--app',
          t.appId,
          '--data',
          t.dataDir,
        ]),
        (err: { code?: number; stderr?: string }) => {
          assert.equal(err.code, 1);
          assert.match(err.stderr ?? '', /error: the gzip stream is truncated/);
          assert.doesNotMatch(err.stderr ?? '', /unexpected end of file|Z_BUF_ERROR|at .*\.ts:\d+/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a failure while storing rolls the whole import back', async () => {
  const db = databaseOf(t.server.context.store).db;
  const tables = [
    'meetings',
    'participants',
    'sessions',
    'peers',
    'peer_batches',
    'peer_events',
    'quality_chunks',
    'candidate_pairs',
    'pc_metadata',
  ] as const;
  const counts = async (): Promise<number[]> =>
    Promise.all(
      tables.map(async (table) =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ),
    );
  const before = await counts();
  const parsed = await parseDump(realdata('jitsi-rtcstats-server/dumps/google-standard-stats-p2p'));
  // The last batch reuses the id of an earlier one: the ingest refuses it as a duplicate, after the
  // meeting, participant, peer and the earlier batches were written in the same transaction.
  const batches = parsed.clients[0].batches;
  batches[batches.length - 1] = { ...batches[batches.length - 1], batch_id: batches[1].batch_id };
  await assert.rejects(
    storeParsedDump(t.server.context, parsed, { accountId: t.accountId, appId: t.appId }),
    /duplicate/,
  );
  assert.deepEqual(await counts(), before);
});

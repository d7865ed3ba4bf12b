/**
 * Response compression through the real server: the coding follows `Accept-Encoding` (q-values included), the
 * decoded bytes equal the identity answer, finished reports come from the compressed cache, small answers and
 * error envelopes go out as they are, and the built assets are sent as their precompressed copies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { preferredCoding } from '../../src/api/content-encoding.ts';
import {
  brotliQuality,
  compressBody,
  HUGE_BODY_BYTES,
  LARGE_BODY_BYTES,
} from '../../src/api/compression.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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

function decode(body: Buffer, coding: string | undefined): Buffer {
  if (coding === 'br') return zlib.brotliDecompressSync(body);
  if (coding === 'gzip') return zlib.gunzipSync(body);
  assert.equal(coding, undefined, `unexpected coding ${coding}`);
  return body;
}

describe('per-request compression by body size', () => {
  test('brotli 3, then 4 from 1 MB (the 60-minute live report), then 1 from 8 MB, and every size decodes', async () => {
    assert.equal(brotliQuality(LARGE_BODY_BYTES - 1), 3);
    assert.equal(brotliQuality(LARGE_BODY_BYTES), 4);
    assert.equal(brotliQuality(HUGE_BODY_BYTES - 1), 4);
    assert.equal(brotliQuality(HUGE_BODY_BYTES), 1);
    // Report-like rows, past the largest threshold.
    const row = (i: number) =>
      `{"timestamp":"2026-11-30T10:${String(i % 60).padStart(2, '0')}:00.000Z","jitter":${i % 17},"rtt":${40 + (i % 23)},"packet_loss":${(i % 7) / 10}}`;
    const rows: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes <= HUGE_BODY_BYTES; i++) bytes += (rows[rows.length] = row(i)).length + 1;
    const body = Buffer.from(`[${rows.join(',')}]`);
    for (const coding of ['br', 'gzip'] as const) {
      const packed = await compressBody(body, coding);
      assert.ok(packed.byteLength < body.byteLength / 5, `${coding} compresses`);
      assert.ok(decode(packed, coding).equals(body), `${coding} decodes to the body`);
    }
  });
});

describe('Accept-Encoding negotiation (pure)', () => {
  test('q-values rank the codings, q=0 refuses one, * stands for the others, brotli wins a tie', () => {
    assert.equal(preferredCoding(undefined), undefined);
    assert.equal(preferredCoding(''), undefined);
    assert.equal(preferredCoding('identity'), undefined);
    assert.equal(preferredCoding('gzip, deflate, br'), 'br');
    assert.equal(preferredCoding('gzip'), 'gzip');
    assert.equal(preferredCoding('x-gzip'), 'gzip');
    assert.equal(preferredCoding('br;q=0.5, gzip;q=0.8'), 'gzip');
    assert.equal(preferredCoding('br;q=0, gzip'), 'gzip');
    assert.equal(preferredCoding('*'), 'br');
    assert.equal(preferredCoding('*;q=0.1, br;q=0'), 'gzip');
    assert.equal(preferredCoding('gzip;q=0, br;q=0'), undefined);
    assert.equal(preferredCoding('BR ; Q=1'), 'br');
    assert.equal(preferredCoding('deflate'), undefined);
  });
});

describe('compressed answers', () => {
  let t: TestServer;
  let finished: SimulatedPeer;
  let live: SimulatedPeer;
  const reportUrl = (peerId: string) =>
    `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}`;
  const auth = () => ({ authorization: `Bearer ${t.readToken}` });

  before(async () => {
    t = await startTestServer();
    [finished] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'lossy-wifi',
      minutes: 2,
      peers: 1,
      seed: 11,
    });
    [live] = await runSimulation({
      url: t.url,
      token: t.token,
      accountId: t.accountId,
      appId: t.appId,
      profile: 'clean',
      minutes: 1,
      peers: 1,
      seed: 12,
      leave: false,
    });
  });
  after(() => t.close());

  for (const peer of ['finished', 'live'] as const) {
    test(`a ${peer} report decodes to the identity bytes in every negotiated coding`, async () => {
      const id = (peer === 'finished' ? finished : live).peerId;
      const identity = await rawGet(reportUrl(id), { ...auth(), 'accept-encoding': 'identity' });
      assert.equal(identity.status, 200);
      assert.equal(identity.headers['content-encoding'], undefined);
      assert.match(String(identity.headers.vary), /accept-encoding/i);
      const plain = identity.body;
      assert.ok(
        plain.length > 20_000,
        `a 1-2 minute report is large enough to compress (${plain.length} B)`,
      );
      for (const [accept, coding] of [
        ['gzip, deflate, br', 'br'],
        ['gzip', 'gzip'],
        ['br;q=0.2, gzip;q=0.9', 'gzip'],
        ['br', 'br'],
      ] as const) {
        // Twice: the second answer of a finished report comes from the compressed cache.
        for (let round = 0; round < 2; round++) {
          const res = await rawGet(reportUrl(id), { ...auth(), 'accept-encoding': accept });
          assert.equal(res.status, 200);
          assert.equal(res.headers['content-encoding'], coding, `${accept} (round ${round})`);
          assert.ok(
            res.body.length < plain.length / 4,
            `${coding} body ${res.body.length} B of ${plain.length}`,
          );
          const decoded = decode(res.body, coding);
          if (peer === 'finished')
            assert.ok(decoded.equals(plain), `${accept}: decoded bytes equal the identity answer`);
          else assert.deepEqual(withoutClock(decoded), withoutClock(plain));
        }
      }
    });
  }

  test('small answers and error envelopes are sent as they are', async () => {
    const health = await rawGet(`${t.url}/healthz`, { 'accept-encoding': 'br, gzip' });
    assert.equal(health.status, 200);
    assert.equal(health.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(health.body.toString()).success, true);
    const missing = await rawGet(reportUrl('00000000-0000-4000-8000-000000000000'), {
      ...auth(),
      'accept-encoding': 'br, gzip',
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['content-encoding'], undefined);
    assert.equal(JSON.parse(missing.body.toString()).success, false);
    assert.equal(
      Number(missing.headers['content-length'] ?? missing.body.length),
      missing.body.length,
    );
  });

  test('built assets are sent as their precompressed copies', async () => {
    for (const [url, file] of [
      [`${t.url}/dashboard/app.js`, 'dashboard/dist/app.js'],
      [`${t.url}/collector/v1/peer-report-collector.js`, 'collector/dist/peer-report-collector.js'],
    ] as const) {
      const original = fs.readFileSync(path.join(root, file));
      for (const [accept, coding] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
        ['identity', undefined],
      ] as const) {
        const res = await rawGet(url, { 'accept-encoding': accept });
        assert.equal(res.status, 200, url);
        assert.equal(res.headers['content-encoding'], coding, `${url} ${accept}`);
        assert.match(String(res.headers['content-type']), /javascript/);
        assert.ok(decode(res.body, coding).equals(original), `${url} ${accept}: the built file`);
      }
    }
  });

  test('fetch, which the official SDKs use, asks for and reads compressed answers', async () => {
    const res = await fetch(reportUrl(finished.peerId), { headers: auth() });
    assert.equal(res.status, 200);
    assert.ok(
      ['br', 'gzip'].includes(res.headers.get('content-encoding') ?? ''),
      'fetch asks for a coding by default',
    );
    const json = (await res.json()) as { data: { participant: { id: string } } };
    assert.equal(json.data.participant.id, finished.peerId);
  });
});

/** A live report's duration and `updated_at` move with the clock between two reads. */
function withoutClock(body: Buffer): unknown {
  const json = JSON.parse(body.toString()) as { data: { participant: Record<string, unknown> } };
  for (const key of ['duration', 'updated_at']) delete json.data.participant[key];
  return json;
}

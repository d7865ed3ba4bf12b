/**
 * Format detection and error paths of the parsing layer: every real file is
 * recognised from its content, and unsupported or corrupt input fails with a
 * DumpFormatError that names the line or key.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DumpFormatError } from '../../src/import/dump-format-error.ts';
import { parseDump } from '../../src/import/parse-dump.ts';
import { ownFixture, realdata } from './fixture-paths.ts';

const EXPECTED_FORMATS: [string, string][] = [
  ['jitsi-rtcstats-server/dumps/chrome-relay', 'rtcstats'],
  ['jitsi-rtcstats-server/dumps/firefox-relay', 'rtcstats'],
  ['jitsi-rtcstats-server/dumps/google-standard-stats-p2p', 'rtcstats'],
  ['jitsi-rtcstats-server/dumps/google-legacy-stats-p2p', 'rtcstats-legacy'],
  ['jitsi-rtcstats-server/dumps/google-legacy-screenshare-p2p', 'rtcstats-legacy'],
  ['fippo-rtcstats-server/dumps/jest-sfu', 'rtcstats'],
  ['rtcstats-rtcstats/gumonly.jsonl', 'rtcstats-v3'],
  ['rtcstats-rtcstats/gumonly-internals.gz', 'webrtc-internals'],
  ['skyway-rtcstats-wrapper/chrome-77.0.3842.0.json', 'getstats-snapshot'],
];

test('formats are detected from the content, gzip or not', async () => {
  for (const [file, format] of EXPECTED_FORMATS) {
    const parsed = await parseDump(realdata(file));
    assert.equal(parsed.format, format, file);
  }
  const internals = await parseDump(ownFixture('webrtc-internals/chromium-156-two-tabs.json.gz'));
  assert.equal(internals.format, 'webrtc-internals');
  assert.equal(internals.gzipped, true);
});

test('a gzipped rtcstats dump parses exactly like the plain one', async () => {
  const raw = readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay'));
  const plain = await parseDump(raw);
  const zipped = await parseDump(gzipSync(raw));
  assert.equal(plain.gzipped, false);
  assert.equal(zipped.gzipped, true);
  assert.deepEqual(zipped.clients, plain.clients);
});

async function rejection(input: string | Uint8Array): Promise<DumpFormatError> {
  try {
    await parseDump(input);
  } catch (err) {
    assert.ok(err instanceof DumpFormatError, `expected DumpFormatError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the import to fail');
}

test('the 2016 client format is refused naming its key', async () => {
  const err = await rejection(realdata('jitsi-rtcstats-server/dumps/clienttest.json'));
  assert.equal(err.key, 'peerConnections');
  assert.match(err.message, /2016 rtcstats client format/);
});

test('a corrupt line of an rtcstats dump is reported with its line number', async () => {
  const lines = readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay'), 'utf8').split(
    '\n',
  );
  const broken = [...lines];
  broken[20] = broken[20].slice(0, 40); // cut line 21 in the middle
  const err = await rejection(Buffer.from(broken.join('\n')));
  assert.equal(err.line, 21);
  assert.match(err.message, /not valid JSON/);
});

test('a line of another shape is skipped and named in the warnings, not fatal', async () => {
  const lines = readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay'), 'utf8').split(
    '\n',
  );
  const wrongShape = [...lines];
  wrongShape[9] = '{"not": "an array"}';
  const parsed = await parseDump(Buffer.from(wrongShape.join('\n')));
  assert.ok(
    parsed.warnings.some((w) => /1 line skipped: not a JSON array.*\(line 10\)/.test(w)),
    parsed.warnings.join('\n'),
  );
  assert.ok(parsed.clients.length > 0, 'parsed.clients.length > 0');
});

test('a truncated webrtc-internals dump is reported as corrupt JSON; unknown text as unsupported', async () => {
  const text = readFileSync(ownFixture('webrtc-internals/chromium-156-two-tabs.json.gz'));
  const { gunzipSync } = await import('node:zlib');
  const json = gunzipSync(text).toString('utf8');
  const err = await rejection(Buffer.from(json.slice(0, Math.floor(json.length / 2))));
  assert.equal(err.key, '$');
  assert.match(err.message, /truncated or corrupt/);
  const unknown = await rejection(Buffer.from('hello, this is a support ticket\n'));
  assert.equal(unknown.line, 1);
  assert.match(unknown.message, /unsupported file/);
  const empty = await rejection(Buffer.from('\n\n'));
  assert.match(empty.message, /empty/);
});

test('a broken gzip stream fails instead of importing half a file', async () => {
  const zipped = gzipSync(readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay')));
  await assert.rejects(
    parseDump(zipped.subarray(0, zipped.length - 100)),
    /the gzip stream is truncated/,
  );
});

test("every broken or foreign compression says so in its own words, never zlib's", async () => {
  const rtcstats = gzipSync(readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay')));
  const internals = readFileSync(ownFixture('webrtc-internals/chromium-156-two-tabs.json.gz'));
  const flip = (buf: Buffer, at: number): Buffer => {
    const out = Buffer.from(buf);
    out[at] = out[at]! ^ 0xff;
    return out;
  };
  const cases: [string, Buffer, RegExp][] = [];
  for (const [name, z] of [
    ['rtcstats', rtcstats],
    ['webrtc-internals', internals],
  ] as const) {
    for (const cut of [2, 10, 100, Math.floor(z.length / 2), z.length - 8, z.length - 1])
      cases.push([`${name} cut at ${cut}`, z.subarray(0, cut), /gzip stream is truncated/]);
    // A damaged byte inside the data: garbage may decompress before the gzip check fails; the check decides.
    cases.push([
      `${name} damaged data`,
      flip(z, Math.floor(z.length / 2)),
      /gzip stream is corrupt/,
    ]);
    cases.push([`${name} damaged checksum`, flip(z, z.length - 6), /gzip stream is corrupt/]);
  }
  cases.push([
    'gzip magic then garbage',
    Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not deflate data at all')]),
    /gzip stream is corrupt/,
  ]);
  cases.push([
    'zip',
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]),
    /compressed with zip; only gzip/,
  ]);
  cases.push([
    'zstd',
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00]),
    /compressed with zstd; only gzip/,
  ]);
  cases.push(['gzip of an empty file', gzipSync(Buffer.alloc(0)), /empty/]);
  cases.push([
    'gzip of text',
    gzipSync(Buffer.from('hello, this is a support ticket\n')),
    /unsupported file/,
  ]);
  for (const [name, bytes, message] of cases) {
    const err = await rejection(bytes);
    assert.match(err.message, message, name);
    assert.doesNotMatch(
      err.message,
      /unexpected end of file|incorrect (header|data) check|invalid (block|distance|stored)|Z_[A-Z_]+/,
      name,
    );
  }
});

test('a webrtc-internals series that is not an array names its key', async () => {
  const doc = {
    PeerConnections: {
      '1-1': {
        pid: 1,
        updateLog: [],
        stats: { 'T01-bytesSent': { statsType: 'transport', values: '{oops' } },
      },
    },
    getUserMedia: [],
  };
  const err = await rejection(Buffer.from(JSON.stringify(doc)));
  assert.equal(err.key, 'PeerConnections.1-1.stats.T01-bytesSent.values');
});

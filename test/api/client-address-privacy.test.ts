/**
 * Client addresses are truncated before they are stored (issue 11 item 3):
 * host, srflx and prflx candidate addresses, related addresses, ids built
 * from addresses, SDP, and event metadata, in live ingest and in imports,
 * read back from the database itself (both stores). Relay (TURN) addresses,
 * ICE server URLs and mDNS names stay; `keepFullIp` keeps everything.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { binEnv } from '../support/server-process.ts';
import { postJson } from '../support/post-json.ts';
import { ownFixture } from '../import/fixture-paths.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const BIN = fileURLToPath(new URL('../../bin/peer-report.js', import.meta.url));

/** Addresses of the person (must never be stored whole by default). */
const PERSONAL = [
  '81.2.69.142',
  '192.168.1.23',
  '10.0.0.7',
  '2a02:1234:5678:9abc::1',
  '2a02:1234:5678:9abc:0:0:0:1',
];

function batchWithAddresses() {
  const ts = Date.now() - 5_000;
  return {
    batch_id: `batch-${randomUUID()}`,
    candidate_pairs: [
      {
        ts,
        pc: 'pc1',
        id: 'CP-10.0.0.7:5000-81.2.69.142:6000',
        state: 'succeeded',
        selected: true,
        local: {
          id: 'I81.2.69.142',
          address: '81.2.69.142',
          port: 6000,
          candidate_type: 'srflx',
          related_address: '192.168.1.23',
          url: 'stun:stun.example.org:3478',
        },
        remote: { address: '10.0.0.7', port: 5000, candidate_type: 'host' },
      },
      {
        ts,
        pc: 'pc1',
        id: 'pair-relay',
        state: 'succeeded',
        local: {
          address: '203.0.113.9',
          port: 3478,
          candidate_type: 'relay',
          related_address: '81.2.69.142',
          url: 'turn:203.0.113.9:3478',
        },
        remote: { address: '2a02:1234:5678:9abc::1', port: 7000, candidate_type: 'prflx' },
      },
      {
        ts,
        pc: 'pc1',
        id: 'pair-mdns',
        local: { address: '6f1c2a3e-aaaa.local', candidate_type: 'host' },
        remote: { address: '2a02:1234:5678:9abc:0:0:0:1', candidate_type: 'srflx' },
      },
    ],
    events: [
      {
        ts,
        name: 'icecandidateerror',
        pc: 'pc1',
        metadata: {
          address: '81.2.69.142',
          port: 6000,
          url: 'stun:198.51.100.4:3478',
          error_code: 701,
        },
      },
      {
        ts,
        name: 'icecandidate',
        pc: 'pc1',
        metadata: { candidate: 'candidate:1 1 udp 2122 192.168.1.23 5000 typ host generation 0' },
      },
      {
        ts,
        name: 'icecandidate',
        pc: 'pc1',
        metadata: {
          candidate:
            'candidate:2 1 udp 41885 203.0.113.9 3478 typ relay raddr 81.2.69.142 rport 6000',
        },
      },
    ],
    pc_metadata: [
      {
        ts,
        pc: 'pc1',
        ice_servers: ['turn:203.0.113.9:3478'],
        sdp: [
          'v=0\r\nc=IN IP4 81.2.69.142\r\na=candidate:3 1 udp 1686 81.2.69.142 6000 typ srflx raddr 192.168.1.23 rport 5000\r\na=candidate:4 1 udp 41 198.51.100.77 3478 typ relay raddr 81.2.69.142 rport 6000\r\na=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n',
        ],
      },
    ],
  };
}

/** Every stored text of the peer's per-peer rows that can carry an address. */
async function storedTexts(t: TestServer, peerIds: string[]): Promise<string> {
  const db = databaseOf(t.server.context.store).db;
  const pairs = await db
    .selectFrom('candidate_pairs')
    .select(['pair_id', 'payload'])
    .where('peer_id', 'in', peerIds)
    .execute();
  const events = await db
    .selectFrom('peer_events')
    .select(['name', 'metadata'])
    .where('peer_id', 'in', peerIds)
    .execute();
  const pcs = await db
    .selectFrom('pc_metadata')
    .select(['payload'])
    .where('peer_id', 'in', peerIds)
    .execute();
  const peers = await db
    .selectFrom('peers')
    .select(['ip_info', 'client', 'precall'])
    .where('id', 'in', peerIds)
    .execute();
  return JSON.stringify({ pairs, events, pcs, peers }).replaceAll('\\', '');
}

async function joinPeer(t: TestServer): Promise<{ peerId: string; token: string }> {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: 'addresses' });
  const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: `u-${randomUUID()}`,
    preset_name: 'host',
    name: 'Ada',
  });
  const j = await postJson(`${t.url}/ingest/v1/join`, p.token, {});
  return { peerId: j.peer_id, token: p.token };
}

describe('client addresses, by default', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ peerTimeoutMs: 600_000 });
  });
  after(() => t.close());

  test('live ingest stores host, srflx and prflx addresses truncated; relay, URLs, mDNS names and fingerprints stay', async () => {
    const { peerId, token } = await joinPeer(t);
    await postJson(`${t.url}/ingest/v1/peers/${peerId}/batches`, token, batchWithAddresses());
    const stored = await storedTexts(t, [peerId]);
    for (const address of PERSONAL)
      assert.ok(!stored.includes(address), `${address} stored whole: ${stored}`);
    assert.ok(stored.includes('81.2.69.0'), 'the truncated srflx address is kept');
    assert.ok(stored.includes('2a02:1234:5678::'), 'the truncated IPv6 address is kept');
    assert.ok(
      stored.includes('192.168.1.0') && stored.includes('10.0.0.0'),
      "stored.includes('192.168.1.0') && stored.includes('10.0.0.0')",
    );
    assert.ok(stored.includes('"address":"203.0.113.9"'), 'the relay (TURN server) address stays');
    assert.ok(
      stored.includes('203.0.113.9 3478 typ relay raddr 81.2.69.0'),
      'relay candidate line: server kept, raddr cut',
    );
    assert.ok(
      stored.includes('198.51.100.77 3478 typ relay raddr 81.2.69.0'),
      'relay candidate in SDP: server kept, raddr cut',
    );
    assert.ok(
      stored.includes('stun:198.51.100.4:3478') && stored.includes('turn:203.0.113.9:3478'),
      'server URLs stay',
    );
    assert.ok(stored.includes('6f1c2a3e-aaaa.local'), 'mDNS names stay');
    assert.ok(
      stored.includes('AB:CD:EF:01:23:45:67:89:AB:CD'),
      'SDP fingerprints are not addresses',
    );

    const res = await fetch(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}?filters=precall_network_information,events`,
      { headers: { authorization: `Bearer ${t.token}` } },
    );
    const text = await res.text();
    assert.equal(res.status, 200, text);
    for (const address of PERSONAL) assert.ok(!text.includes(address), `${address} served whole`);
    assert.ok(text.includes('"local_candidate_address":"81.2.69.0"'), text.slice(0, 2000));
  });

  test('an imported dump stores its candidate addresses truncated', async () => {
    const bytes = readFileSync(ownFixture('webrtc-internals/chromium-156-loopback.json.gz'));
    assert.ok(gunzipText(bytes).includes('192.0.2.2'), 'the fixture carries host addresses');
    const res = await fetch(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/imports`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/octet-stream' },
        body: new Blob([bytes]),
      },
    );
    const body = (await res.json()) as { data: { peers: { peer_id: string }[] } };
    assert.equal(res.status, 201, JSON.stringify(body));
    const peerIds = body.data.peers.map((p) => p.peer_id);
    const stored = await storedTexts(t, peerIds);
    assert.ok(stored.includes('192.0.2.0'), 'candidate pairs were imported');
    for (const address of ['192.0.2.2', 'fd00::2', 'fd00:0:0:0:0:0:0:2'])
      assert.ok(!stored.includes(address), `${address} stored whole`);
  });
});

describe('client addresses in a dump imported by the CLI', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ peerTimeoutMs: 600_000 });
  });
  after(() => t.close());

  test('are truncated, unless --keep-full-ip', async () => {
    const run = async (...extra: string[]) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          BIN,
          'import',
          ownFixture('webrtc-internals/chromium-156-loopback.json.gz'),
          '--account',
          t.accountId,
          '--app',
          t.appId,
          '--data',
          t.dataDir,
          ...extra,
        ],
        {
          env: binEnv({ DATABASE_URL: t.databaseUrl ?? '', PEER_REPORT_KEEP_FULL_IP: '' }),
        },
      );
      return stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)[0]);
    };
    const cut = await storedTexts(t, await run());
    assert.ok(cut.includes('192.0.2.0') && !cut.includes('192.0.2.2'), 'truncated by default');
    const whole = await storedTexts(t, await run('--keep-full-ip'));
    assert.ok(whole.includes('192.0.2.2'), 'kept with --keep-full-ip');
  });
});

describe('client addresses with keepFullIp', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ peerTimeoutMs: 600_000, keepFullIp: true });
  });
  after(() => t.close());

  test('are stored whole', async () => {
    const { peerId, token } = await joinPeer(t);
    await postJson(`${t.url}/ingest/v1/peers/${peerId}/batches`, token, batchWithAddresses());
    const stored = await storedTexts(t, [peerId]);
    for (const address of ['81.2.69.142', '192.168.1.23', '10.0.0.7', '2a02:1234:5678:9abc::1'])
      assert.ok(stored.includes(address), address);
  });
});

function gunzipText(bytes: Buffer): string {
  return gunzipSync(bytes).toString('utf8');
}

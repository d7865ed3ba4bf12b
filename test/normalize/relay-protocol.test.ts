/**
 * Relay protocol of relay candidates whose stats omit `relayProtocol`
 * (Safari): inferred from the TURN url and flagged as inferred, in the shared
 * normaliser (collector, imports), in live ingest from clients that do not
 * infer, and in imports; a reported value is never overridden.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { importDump } from '../../src/import/import-dump.ts';
import { normalizeStatsReport } from '../../src/normalize/normalize-stats-report.ts';
import { relayProtocolFromUrl } from '../../src/normalize/relay-protocol.ts';
import { ownFixture, realdata } from '../import/fixture-paths.ts';
import { readReport, type ImportedReport } from '../import/report-helpers.ts';
import { postJson } from '../support/post-json.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const URLS: [string, 'udp' | 'tcp' | 'tls' | undefined][] = [
  ['turns:turn.example.org:443?transport=tcp', 'tls'],
  ['turns:turn.example.org', 'tls'],
  ['TURNS:turn.example.org:5349', 'tls'],
  ['turn:turn.example.org:443?transport=tcp', 'tcp'],
  ['turn:turn.example.org:3478?transport=udp', 'udp'],
  ['turn:turn.example.org:3478', 'udp'],
  ['turn:[2001:db8::1]:3478?transport=TCP', 'tcp'],
  ['stun:stun.example.org:3478', undefined],
  ['https://turn.example.org', undefined],
  ['', undefined],
];

test('relayProtocolFromUrl reads the scheme and the transport parameter', () => {
  for (const [url, expected] of URLS) assert.equal(relayProtocolFromUrl(url), expected, url);
});

test('the normaliser infers it for relay candidates only, flags it, and never overrides a reported value', () => {
  const stats = (local: Record<string, unknown>) => [
    { id: 'T', type: 'transport', timestamp: 1, selectedCandidatePairId: 'P' },
    {
      id: 'P',
      type: 'candidate-pair',
      timestamp: 1,
      localCandidateId: 'L',
      remoteCandidateId: 'R',
      state: 'succeeded',
      nominated: true,
    },
    { id: 'L', type: 'local-candidate', timestamp: 1, protocol: 'udp', ...local },
    { id: 'R', type: 'remote-candidate', timestamp: 1, candidateType: 'host', protocol: 'udp' },
  ];
  const localOf = (local: Record<string, unknown>) =>
    normalizeStatsReport({ pc: 'pc', ts: 1, stats: stats(local) }).candidate_pairs[0]!.local!;
  const safari = localOf({
    candidateType: 'relay',
    url: 'turns:turn.example.org:443?transport=tcp',
  });
  assert.equal(safari.relay_protocol, 'tls');
  assert.equal(safari.relay_protocol_inferred, true);
  const chrome = localOf({
    candidateType: 'relay',
    url: 'turns:turn.example.org:443?transport=tcp',
    relayProtocol: 'udp',
  });
  assert.equal(chrome.relay_protocol, 'udp');
  assert.equal(chrome.relay_protocol_inferred, undefined);
  const host = localOf({ candidateType: 'host', url: 'turn:turn.example.org:3478' });
  assert.equal(host.relay_protocol, undefined);
  const noUrl = localOf({ candidateType: 'relay' });
  assert.equal(noUrl.relay_protocol, undefined);
  assert.equal(noUrl.relay_protocol_inferred, undefined);
});

let t: TestServer;
before(async () => {
  t = await startTestServer({ peerTimeoutMs: 600_000 });
});
after(() => t.close());

type PairRow = {
  selected?: boolean;
  local_candidate_relay_protocol?: string;
  local_candidate_relay_protocol_inferred?: boolean;
  local_candidate_type?: string;
};
const selectedPair = (report: ImportedReport): PairRow => {
  const cp = report.peer_report.metadata.candidate_pairs as {
    producing_transport?: PairRow[];
    consuming_transport?: PairRow[];
  };
  const pair = [...(cp.producing_transport ?? []), ...(cp.consuming_transport ?? [])].find(
    (p) => p.selected,
  );
  assert.ok(pair, 'a selected pair');
  return pair;
};

describe('imports', () => {
  for (const expected of ['tls', 'tcp', 'udp'] as const) {
    test(`a Safari rtcstats dump relayed over ${expected}: the pair and its event say ${expected}, inferred`, async () => {
      const result = await importDump(
        t.server.context,
        ownFixture(`import-edge/rtcstats-safari-relay-${expected}.jsonl`),
        { accountId: t.accountId, appId: t.appId },
      );
      const report = await readReport(t, result.peers[0]!.peer_id);
      const pair = selectedPair(report);
      assert.equal(pair.local_candidate_type, 'relay');
      assert.equal(pair.local_candidate_relay_protocol, expected);
      assert.equal(pair.local_candidate_relay_protocol_inferred, true);
      const change = (report.peer_report.metadata.events ?? []).find(
        (e) => e.name === 'selected_candidate_pair_change',
      );
      assert.equal(change?.metadata?.relay_protocol, expected);
      assert.equal(change?.metadata?.relay_protocol_inferred, true);
    });
  }

  test('a dump that reports relayProtocol (Chrome) keeps it, not flagged as inferred', async () => {
    const result = await importDump(
      t.server.context,
      realdata('jitsi-rtcstats-server/dumps/chrome-relay'),
      { accountId: t.accountId, appId: t.appId },
    );
    const pair = selectedPair(await readReport(t, result.peers[0]!.peer_id));
    assert.equal(pair.local_candidate_relay_protocol, 'tls');
    assert.equal(pair.local_candidate_relay_protocol_inferred, undefined);
  });
});

test('live ingest: a client that sends a relay candidate with only its url gets the inferred protocol', async () => {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: 'safari relay' });
  const p = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: 'safari',
    preset_name: 'host',
    name: 'Safari',
  });
  const joined = await postJson(`${t.url}/ingest/v1/join`, p.token, {
    joined_at: Date.now() - 30_000,
  });
  const local = {
    id: 'L',
    candidate_type: 'relay',
    protocol: 'udp',
    url: 'turns:turn.example.org:443?transport=tcp',
  };
  await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/batches`, p.token, {
    batch_id: `batch-${randomUUID()}`,
    candidate_pairs: [
      {
        ts: Date.now() - 20_000,
        pc: 'pc-1',
        id: 'P',
        state: 'succeeded',
        selected: true,
        local,
        remote: { id: 'R', candidate_type: 'host', protocol: 'udp' },
      },
    ],
  });
  const pair = selectedPair(await readReport(t, joined.peer_id));
  assert.equal(pair.local_candidate_relay_protocol, 'tls');
  assert.equal(pair.local_candidate_relay_protocol_inferred, true);
});

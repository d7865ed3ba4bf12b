/**
 * Diagnosis of the real dumps of ../shared/fixtures/realdata/, through the
 * real import and report path (read back with the official SDK), on the store
 * TEST_DATABASE_URL selects. Imported dumps have no other peer, so every kind
 * comes from one peer's data. The expected kinds are derived from the raw
 * files here: connections that failed without ever connecting, TURN over
 * TLS, freezes; and a single bad sample that must not become an issue.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { importDump } from '../../src/import/import-dump.ts';
import { compactPeerChunks } from '../../src/store/chunk-compaction.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { realdata } from './fixture-paths.ts';
import { readReport } from './report-helpers.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ reportCacheMb: 0, compactAfterMs: 3_600_000 });
});
after(() => t.close());

interface Diagnosis {
  verdict: string;
  summary: string;
  issues: {
    kind: string;
    severity: string;
    streams: { key: string }[];
    evidence: { detail?: Record<string, unknown> };
    attribution: { cause: string };
  }[];
}

async function diagnosisOf(relative: string): Promise<{ peerId: string; d: Diagnosis }> {
  const result = await importDump(t.server.context, realdata(relative), {
    accountId: t.accountId,
    appId: t.appId,
    title: relative,
  });
  assert.equal(result.peers.length, 1);
  const peerId = result.peers[0].peer_id;
  const report = (await readReport(t, peerId)) as unknown as { diagnosis: Diagnosis };
  assert.ok(report.diagnosis, 'the SDK passes the diagnosis through');
  return { peerId, d: report.diagnosis };
}

/** PCs of an rtcstats line dump whose ICE or connection state reached `failed` without ever being connected. */
function neverConnectedFailedPcs(relative: string): Set<string> {
  const states = new Map<string, string[]>();
  for (const line of readFileSync(realdata(relative), 'utf8').split('\n')) {
    if (!line.includes('connectionstatechange"')) continue;
    const [method, pc, state] = JSON.parse(line) as [string, string, string];
    if (!/^(on)?(ice)?connectionstatechange$/.test(method)) continue;
    states.set(pc, [...(states.get(pc) ?? []), state]);
  }
  return new Set(
    [...states]
      .filter(
        ([, s]) => s.includes('failed') && !s.includes('connected') && !s.includes('completed'),
      )
      .map(([pc]) => pc),
  );
}

function ofKind(d: Diagnosis, kind: string) {
  return d.issues.filter((i) => i.kind === kind);
}

describe('failed connections', () => {
  for (const file of [
    'jitsi-rtcstats-server/dumps/chrome-standard-multiple-p2p',
    'fippo-rtcstats-server/dumps/jest-sfu',
  ]) {
    test(`${file.split('/').pop()}: ice_failed on exactly the PCs that never connected; fair, since media went through another PC`, async () => {
      const expected = neverConnectedFailedPcs(file);
      assert.ok(expected.size > 0, 'the dump has failed connections');
      const { d } = await diagnosisOf(file);
      const failed = ofKind(d, 'ice_failed');
      const pcs = new Set(failed.flatMap((i) => i.streams.map((s) => s.key.split('|')[0])));
      assert.deepEqual([...pcs].sort(), [...expected].sort());
      assert.ok(
        failed.every((i) => i.severity === 'fair'),
        "failed.every((i) => i.severity === 'fair')",
      );
      assert.match(d.summary, /the connection failed/);
    });
  }
});

describe('relay over TLS', () => {
  for (const file of [
    'jitsi-rtcstats-server/dumps/chrome-relay',
    'jitsi-rtcstats-server/dumps/firefox-relay',
  ]) {
    test(`${file.split('/').pop()}: relay_over_tcp, TURN over TLS`, async () => {
      assert.ok(
        readFileSync(realdata(file), 'utf8').includes('"relayProtocol":"tls"'),
        'the raw dump relays over TLS',
      );
      const { d } = await diagnosisOf(file);
      const relay = ofKind(d, 'relay_over_tcp');
      assert.equal(relay.length, 1);
      assert.equal(relay[0].evidence.detail?.via, 'TURN over TLS');
    });
  }
});

describe('freezes', () => {
  test('chrome-relay: the received video froze (totalFreezesDuration in the raw stats), and that is its top issue', async () => {
    const raw = readFileSync(realdata('jitsi-rtcstats-server/dumps/chrome-relay'), 'utf8');
    const frozen = Math.max(
      0,
      ...[...raw.matchAll(/"totalFreezesDuration":([0-9.]+)/g)].map((m) => Number(m[1])),
    );
    assert.ok(frozen > 1, `raw frozen ${frozen} s`);
    const { peerId, d } = await diagnosisOf('jitsi-rtcstats-server/dumps/chrome-relay');
    const freezes = ofKind(d, 'video_freeze');
    assert.ok(freezes.length > 0, 'freezes.length > 0');
    const sum = freezes.reduce((a, i) => a + Number(i.evidence.detail?.frozen_s ?? 0), 0);
    assert.ok(sum > 1 && sum <= frozen + 0.5, `diagnosed ${sum} s of ${frozen} s`);
    assert.match(d.summary, /^Bad video received .*froze/);
    // Compaction stores the own part (the server's sweeper may be at it already: an imported call ended long
    // ago); the report says the same afterwards.
    await compactPeerChunks(
      databaseOf(t.server.context.store).db,
      t.server.context.store.name,
      peerId,
      Date.now(),
    );
    let stored: { diagnosis: string | null } | undefined;
    for (let i = 0; i < 100 && !stored?.diagnosis; i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      stored = await databaseOf(t.server.context.store)
        .db.selectFrom('peers')
        .select('diagnosis')
        .where('id', '=', peerId)
        .executeTakeFirstOrThrow();
    }
    assert.ok(stored?.diagnosis, 'stored?.diagnosis');
    assert.deepEqual(
      ((await readReport(t, peerId)) as unknown as { diagnosis: Diagnosis }).diagnosis,
      d,
    );
  });
});

describe('a single bad sample is not an issue', () => {
  test('google-standard-stats-p2p: one 2-second interval of one video SSRC lost most packets; no packet_loss issue', async () => {
    const { peerId, d } = await diagnosisOf(
      'jitsi-rtcstats-server/dumps/google-standard-stats-p2p',
    );
    const rows = (
      (await readReport(t, peerId)).peer_report.quality.video_consumer as { loss_pct?: number }[]
    ).filter((r) => (r.loss_pct ?? 0) >= 50);
    assert.equal(rows.length, 1, 'exactly one very lossy interval in the data');
    assert.deepEqual(ofKind(d, 'packet_loss'), []);
    // Its only video issue is the stretches where nothing arrived; the verdict comes from a starved audio
    // stream (diagnosis-evidence-realdata.test.ts), not from the lossy sample.
    assert.deepEqual(
      d.issues.filter((i) => i.kind !== 'no_media_received' && i.kind !== 'audio_concealment'),
      [],
      'no issue from the single lossy sample',
    );
  });
});

describe('clean and media-less dumps', () => {
  test('google-standard-stats-sfu (clean network) has only the concealment of its one starved audio stream; gumonly (no PeerConnection) is good with no streams', async () => {
    // No loss, freeze or limitation; but from 29 s on one received audio stream got half its usual packet
    // rate with no loss counted, and only concealment shows it (diagnosis-evidence-realdata.test.ts).
    const sfu = (await diagnosisOf('jitsi-rtcstats-server/dumps/google-standard-stats-sfu')).d;
    assert.deepEqual(
      sfu.issues.map((i) => i.kind),
      ['audio_concealment'],
      'only the starved stream',
    );
    const gum = (await diagnosisOf('rtcstats-rtcstats/gumonly.jsonl')).d;
    assert.equal(gum.verdict, 'good');
    assert.match(gum.summary, /no media streams/);
  });
});

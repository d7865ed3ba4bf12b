/**
 * Every file of ../shared/fixtures/realdata/ end to end: imported into a real
 * server and read back through the official SDK (the jitsi files with
 * expected-results are compared in detail in jitsi-expected-results.test.ts).
 * Expected figures are computed here from the raw files.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { importDump, type ImportResult } from '../../src/import/import-dump.ts';
import { DumpFormatError } from '../../src/import/dump-format-error.ts';
import { RtcstatsDeltaState } from '../../src/import/rtcstats-delta.ts';
import type { RawStat } from '../../src/normalize/types.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { realdata } from './fixture-paths.ts';
import { readInternals } from './internals-helpers.ts';
import {
  eventsOf,
  pairsOf,
  readReport,
  totalsBySsrc,
  type ImportedReport,
} from './report-helpers.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

async function importAndRead(
  relative: string,
): Promise<{ result: ImportResult; reports: ImportedReport[] }> {
  const result = await importDump(t.server.context, realdata(relative), {
    accountId: t.accountId,
    appId: t.appId,
    title: relative,
  });
  const reports = [];
  for (const peer of result.peers) reports.push(await readReport(t, peer.peer_id));
  return { result, reports };
}

/** The fully decompressed last getstats report of each PC of an rtcstats line dump. */
function lastReports(relative: string): Map<string, RawStat[]> {
  const states = new Map<string, RtcstatsDeltaState>();
  const last = new Map<string, RawStat[]>();
  for (const line of readFileSync(realdata(relative), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [method, pc, value] = JSON.parse(line) as [string, string, Record<string, unknown>];
    if (method !== 'getstats') continue;
    let state = states.get(pc);
    if (!state) states.set(pc, (state = new RtcstatsDeltaState()));
    last.set(pc, state.apply(value, value.timestamp as number));
  }
  return last;
}

function selectedLocalCandidate(stats: RawStat[]): RawStat {
  const transport = stats.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair = transport
    ? stats.find((s) => s.id === transport.selectedCandidatePairId)
    : stats.find((s) => s.type === 'candidate-pair' && s.selected === true);
  assert.ok(pair, 'a selected pair in the raw stats');
  const local = stats.find((s) => s.id === pair.localCandidateId);
  assert.ok(local, 'local');
  return local;
}

/** Received-packet loss % per media kind from the raw cumulative counters. */
function rawLossPct(stats: RawStat[], kind: string): number {
  let received = 0;
  let lost = 0;
  for (const s of stats) {
    if (s.type !== 'inbound-rtp' || s.kind !== kind) continue;
    received += (s.packetsReceived as number) ?? 0;
    lost += (s.packetsLost as number) ?? 0;
  }
  return (lost / (received + lost)) * 100;
}

function reportLossPct(report: ImportedReport, kind: string): number {
  let received = 0;
  let lost = 0;
  for (const [key, v] of totalsBySsrc(report)) {
    if (!key.startsWith('consumer|') || v.media !== kind) continue;
    received += v.packets;
    lost += v.lost;
  }
  return (lost / (received + lost)) * 100;
}

describe('rtcstats dumps without expected-results', () => {
  for (const [file, kind] of [
    ['jitsi-rtcstats-server/dumps/chrome-relay', 'video'],
    ['jitsi-rtcstats-server/dumps/firefox-relay', 'video'],
  ] as const) {
    test(`${file}: TURN relay over TLS, loss as recorded`, async () => {
      const { result, reports } = await importAndRead(file);
      assert.equal(result.peers.length, 1);
      const [report] = reports;
      const raw = lastReports(file).get('PC_0') as RawStat[];
      const local = selectedLocalCandidate(raw);
      const selected = pairsOf(report).filter((p) => p.selected);
      assert.equal(selected.length, 1);
      assert.equal(selected[0].local_candidate_type, local.candidateType);
      assert.equal(selected[0].local_candidate_type, 'relay');
      assert.equal(
        (report.peer_report.metadata.candidate_pairs?.producing_transport ?? [])
          .concat(report.peer_report.metadata.candidate_pairs?.consuming_transport ?? [])
          .find((p) => p.selected) && (local.relayProtocol as string),
        'tls',
      );
      assert.equal(report.peer_report.metadata.pc_metadata?.[0].turn_connectivity, true);
      const expected = rawLossPct(raw, kind);
      assert.ok(expected > 0, 'the recording has video loss');
      assert.ok(
        Math.abs(reportLossPct(report, kind) - expected) <= 0.5,
        `loss ${reportLossPct(report, kind)} vs raw ${expected}`,
      );
      assert.equal(report.source, 'import');
      assert.equal(report.status, 'LEFT');
    });
  }

  test('fippo jest-sfu: three PCs of one client, the failed ones flagged', async () => {
    const file = 'fippo-rtcstats-server/dumps/jest-sfu';
    const { result, reports } = await importAndRead(file);
    assert.equal(result.peers.length, 1, 'one peer, not one per PC');
    const lines = readFileSync(realdata(file), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as [string, string | null, unknown]);
    const pcs = [
      ...new Set(lines.filter((l) => l[0] === 'create' && l[1]).map((l) => l[1] as string)),
    ];
    assert.deepEqual(new Set(result.peers[0].pcs), new Set(pcs));
    // Chrome 96 reports the failure on the connection state (ICE only says `disconnected`).
    const failedRaw = new Set(
      lines
        .filter(
          (l) =>
            (l[0] === 'onconnectionstatechange' || l[0] === 'oniceconnectionstatechange') &&
            l[2] === 'failed',
        )
        .map((l) => l[1]),
    );
    assert.equal(failedRaw.size, 2, 'two PCs of the recording failed');
    for (const pc of pcs) {
      const failed = eventsOf(reports[0], pc).some(
        (e) =>
          (e.name === 'connection_state_change' || e.name === 'ice_connection_state_change') &&
          e.state === 'failed',
      );
      assert.equal(failed, failedRaw.has(pc), pc);
    }
  });

  for (const file of [
    'jitsi-rtcstats-server/dumps/google-legacy-stats-p2p',
    'jitsi-rtcstats-server/dumps/google-legacy-screenshare-p2p',
  ]) {
    test(`${file}: legacy stats through the SDK`, async () => {
      const { result, reports } = await importAndRead(file);
      assert.equal(result.format, 'rtcstats-legacy');
      const totals = totalsBySsrc(reports[0]);
      // The last ssrc_<n>_send packetsSent of the raw file, per SSRC: what the report's rows add up to
      // (for the screenshare SSRC, whose counters restart when the screen replaces the camera, the rows
      // add up both segments).
      const lastSent = new Map<number, number[]>();
      for (const line of readFileSync(realdata(file), 'utf8').split('\n')) {
        if (!line.startsWith('["getstats"')) continue;
        for (const [id, stat] of Object.entries(
          JSON.parse(line)[2] as Record<string, Record<string, string> | null>,
        )) {
          if (!stat || !/^ssrc_\d+_send$/.test(id) || stat.packetsSent === undefined) continue;
          const ssrc = Number(id.split('_')[1]);
          const segments = lastSent.get(ssrc) ?? [0];
          if (Number(stat.packetsSent) < segments[segments.length - 1]) segments.push(0);
          segments[segments.length - 1] = Number(stat.packetsSent);
          lastSent.set(ssrc, segments);
        }
      }
      assert.ok(lastSent.size > 0, 'lastSent.size > 0');
      for (const [ssrc, segments] of lastSent) {
        assert.equal(
          totals.get(`producer|${ssrc}`)?.packets,
          segments.reduce((a, b) => a + b, 0),
          `ssrc ${ssrc}`,
        );
      }
      const q = reports[0].peer_report.quality;
      if (file.endsWith('screenshare-p2p'))
        assert.ok((q.screenshare_video_producer as unknown[]).length > 0, 'screen share rows');
    });
  }
});

describe('getUserMedia-only dumps', () => {
  for (const file of [
    'rtcstats-rtcstats/gumonly-internals.gz',
    'rtcstats-rtcstats/gumonly.jsonl',
  ]) {
    test(`${file}: device information imported, no quality rows, and the import says so`, async () => {
      const { result, reports } = await importAndRead(file);
      assert.equal(result.peers.length, 1);
      assert.deepEqual(result.peers[0].pcs, []);
      assert.ok(
        result.peers[0].notes.some((n) => n.includes('no peer connections')),
        'result.peers[0].notes.some((n) => n.includes("no peer connections"))',
      );
      const report = reports[0];
      const names = (report.peer_report.metadata.events ?? []).map((e) => e.name);
      assert.ok(
        names.includes('get_user_media') && names.includes('get_user_media_success'),
        'names.includes("get_user_media") && names.includes("get_user_media_success")',
      );
      for (const [, rows] of Object.entries(report.peer_report.quality))
        if (Array.isArray(rows)) assert.equal(rows.length, 0);
      if (file.endsWith('.gz')) {
        const success = (
          readInternals(realdata(file)).getUserMedia as Record<string, string>[]
        ).find((e) => e.video_track_info);
        const label = (JSON.parse(success?.video_track_info as string) as { label: string }).label;
        assert.equal(
          report.peer_report.metadata.selected_device_updates?.[0]?.device?.label,
          label,
        );
      }
    });
  }
});

describe('getStats() snapshots', () => {
  for (const file of [
    'skyway-rtcstats-wrapper/chrome-77.0.3842.0.json',
    'skyway-rtcstats-wrapper/firefox-67.0.4.json',
    'skyway-rtcstats-wrapper/safari-12.1.1.json',
  ]) {
    test(`${file}: one row per stream with the snapshot's cumulative counters`, async () => {
      const { result, reports } = await importAndRead(file);
      assert.equal(result.format, 'getstats-snapshot');
      const raw = (JSON.parse(readFileSync(realdata(file), 'utf8')) as [string, RawStat][]).map(
        ([, s]) => s,
      );
      const totals = totalsBySsrc(reports[0]);
      for (const s of raw.filter((x) => x.type === 'outbound-rtp' || x.type === 'inbound-rtp')) {
        const key = `${s.type === 'outbound-rtp' ? 'producer' : 'consumer'}|${s.ssrc}`;
        assert.equal(
          totals.get(key)?.packets,
          s.type === 'outbound-rtp' ? s.packetsSent : s.packetsReceived,
          key,
        );
      }
      assert.ok(
        result.peers[0].notes.some((n) => n.includes('single getStats() snapshot')),
        'result.peers[0].notes.some((n) => n.includes("single getStats() snapshot"))',
      );
    });
  }
});

test('the 2016 client format is refused and leaves nothing behind', async () => {
  const db = databaseOf(t.server.context.store).db;
  const count = async (): Promise<number> =>
    Number(
      (
        await db
          .selectFrom('meetings')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account_id', '=', t.accountId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await count();
  await assert.rejects(
    importDump(t.server.context, realdata('jitsi-rtcstats-server/dumps/clienttest.json'), {
      accountId: t.accountId,
      appId: t.appId,
    }),
    (err: unknown) => {
      assert.ok(err instanceof DumpFormatError, 'err instanceof DumpFormatError');
      assert.equal(err.key, 'peerConnections');
      return true;
    },
  );
  assert.equal(await count(), before);
});

/**
 * The repair and bandwidth evidence (NACKs, retransmissions, freezes,
 * concealment, available and target bitrate) read by the diagnosis on the
 * real dumps of ../shared/fixtures/realdata/, through the real import and
 * report path, on the store TEST_DATABASE_URL selects. Every expectation is
 * derived from the raw file with an independent reading (raw-rtcstats.ts):
 * which audio streams were starved (concealment that was not silence), which
 * video streams froze, where Chrome said `bandwidth` during its ramp-up, where
 * Firefox repeated NACKs for one lost packet. Calibration: docs/diagnosis.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { importDump } from '../../src/import/import-dump.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { realdata } from './fixture-paths.ts';
import { readReport } from './report-helpers.ts';
import { delta, rawReports, ssrcSeries } from './raw-rtcstats.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer({ reportCacheMb: 0, compactAfterMs: 3_600_000 });
});
after(() => t.close());

interface Issue {
  kind: string;
  severity: string;
  direction?: string;
  medium?: string;
  streams: { key: string }[];
  evidence: { metric: string; typical: number; detail?: Record<string, unknown> };
}
interface Diagnosis {
  verdict: string;
  issues: Issue[];
}

async function diagnosisOf(relative: string): Promise<Diagnosis> {
  const result = await importDump(t.server.context, realdata(relative), {
    accountId: t.accountId,
    appId: t.appId,
    title: relative,
  });
  assert.equal(result.peers.length, 1, 'one peer per dump');
  const report = (await readReport(t, result.peers[0].peer_id)) as unknown as {
    diagnosis: Diagnosis;
  };
  assert.ok(report.diagnosis, 'the report has a diagnosis');
  return report.diagnosis;
}

const jitsiDump = (name: string) => `jitsi-rtcstats-server/dumps/${name}`;

/** `pc|ssrc` of a stream key `pc|consumer|ssrc`. */
const pcSsrc = (key: string) => {
  const [pc, , ssrc] = key.split('|');
  return `${pc}|${ssrc}`;
};

/**
 * Received audio streams starved in the raw stats: some stretch of ≥ 10 s,
 * packets arriving in every sample of it (not the stream's first sample),
 * where concealed samples that were not silence (`concealedSamples −
 * silentConcealedSamples`) were ≥ 3 % of the samples played.
 */
function starvedAudio(relative: string): Set<string> {
  const out = new Set<string>();
  for (const [key, s] of ssrcSeries(rawReports(realdata(relative)), 'inbound-rtp', 'audio')) {
    for (let i = 1; i < s.length; i++) {
      let j = i + 1;
      while (j < s.length && s[j].ts - s[i].ts < 10_000) j++;
      if (j >= s.length) break;
      const flowing = s
        .slice(i + 1, j + 1)
        .every((x, k) => (delta(s[i + k].stat, x.stat, 'packetsReceived') ?? 0) > 0);
      const total = delta(s[i].stat, s[j].stat, 'totalSamplesReceived') ?? 0;
      const concealed =
        (delta(s[i].stat, s[j].stat, 'concealedSamples') ?? 0) -
        (delta(s[i].stat, s[j].stat, 'silentConcealedSamples') ?? 0);
      if (flowing && total > 0 && concealed / total >= 0.03) out.add(key);
    }
  }
  return out;
}

function ofKind(d: Diagnosis, kind: string): Issue[] {
  return d.issues.filter((i) => i.kind === kind);
}

describe('audio concealment: only what was not silence, and only when sustained', () => {
  for (const name of ['google-standard-stats-sfu', 'google-standard-stats-p2p']) {
    test(`${name}: audio_concealment on exactly the received audio streams the raw stats show starved`, async () => {
      const expected = starvedAudio(jitsiDump(name));
      assert.ok(expected.size > 0, `the raw dump has a starved audio stream (${name})`);
      const d = await diagnosisOf(jitsiDump(name));
      const concealment = ofKind(d, 'audio_concealment');
      const got = new Set(concealment.flatMap((i) => i.streams.map((s) => pcSsrc(s.key))));
      assert.deepEqual([...got].sort(), [...expected].sort(), 'concealment on the starved streams');
      assert.ok(
        concealment.every((i) => i.evidence.typical >= 3),
        'each issue is typically past the 3 % enter level',
      );
      // No loss was counted in these calls (the starved stream lost no packet: they never came).
      assert.deepEqual(ofKind(d, 'packet_loss'), [], 'no packet_loss issue');
    });
  }

  test('google-standard-stats-sfu: nothing but the starved audio stream (no freeze, no repaired loss, no bandwidth limit)', async () => {
    const d = await diagnosisOf(jitsiDump('google-standard-stats-sfu'));
    assert.deepEqual(
      [...new Set(d.issues.map((i) => i.kind))],
      ['audio_concealment'],
      'only concealment',
    );
  });
});

describe('clean dumps have no issue at or above fair', () => {
  for (const file of [
    jitsiDump('59c86272-03ea-42e9-a62d-1c8a272e8ab0'),
    jitsiDump('google-legacy-screenshare-p2p'),
    'skyway-rtcstats-wrapper/chrome-77.0.3842.0.json',
    'rtcstats-rtcstats/gumonly.jsonl',
  ]) {
    test(`${file.split('/').pop()}: good, no issue`, async () => {
      const d = await diagnosisOf(file);
      assert.deepEqual(
        d.issues.map((i) => `${i.kind} ${i.severity}`),
        [],
        'no issue',
      );
      assert.equal(d.verdict, 'good');
    });
  }
});

describe('bandwidth as a series: the ramp-up is not a limitation', () => {
  test('chrome-standard-multiple-p2p: Chrome says `bandwidth` while its estimate ramps up, and the picture reaches 720p; no bandwidth_limited', async () => {
    const file = jitsiDump('chrome-standard-multiple-p2p');
    const limitedEarly = [...ssrcSeries(rawReports(realdata(file)), 'outbound-rtp', 'video')].some(
      ([, s]) =>
        s.some(
          (x) =>
            x.stat.qualityLimitationReason === 'bandwidth' &&
            x.ts - s[0].ts < 30_000 &&
            (x.stat.framesSent as number) > 0,
        ) && s.some((x) => x.stat.frameHeight === 720),
    );
    assert.ok(limitedEarly, 'the raw stats say bandwidth during the first 30 s, then reach 720p');
    const d = await diagnosisOf(file);
    assert.deepEqual(ofKind(d, 'bandwidth_limited'), [], 'no bandwidth_limited');
  });
});

describe('repair counters', () => {
  test('firefox-standard-stats-sfu: Firefox repeats NACKs for one lost packet; that is no repaired-loss issue', async () => {
    const file = jitsiDump('firefox-standard-stats-sfu');
    const repeated = [
      ...ssrcSeries(rawReports(realdata(file)), 'inbound-rtp', 'video').values(),
    ].some((s) =>
      s.some((x, k) => {
        if (k === 0) return false;
        const nacks = delta(s[k - 1].stat, x.stat, 'nackCount') ?? 0;
        const lost = delta(s[k - 1].stat, x.stat, 'packetsLost') ?? 0;
        return nacks >= 5 && lost <= 1;
      }),
    );
    assert.ok(repeated, 'the raw stats have ≥ 5 NACKs in a sample that lost at most one packet');
    const d = await diagnosisOf(file);
    assert.deepEqual(
      ofKind(d, 'packet_loss').filter((i) => i.evidence.metric === 'repaired_loss_pct'),
      [],
      'no repaired-loss issue',
    );
  });

  test('chrome-relay: freezes are counted from the freeze counters (freezeCount deltas in the evidence)', async () => {
    const file = jitsiDump('chrome-relay');
    const rawFreezes = new Map<string, number>();
    for (const [key, s] of ssrcSeries(rawReports(realdata(file)), 'inbound-rtp', 'video'))
      rawFreezes.set(key, (s[s.length - 1].stat.freezeCount as number | undefined) ?? 0);
    const d = await diagnosisOf(file);
    const freezes = ofKind(d, 'video_freeze');
    assert.ok(freezes.length > 0, 'freeze issues');
    const byStream = new Map<string, number>();
    for (const i of freezes) {
      const key = pcSsrc(i.streams[0].key);
      byStream.set(key, (byStream.get(key) ?? 0) + Number(i.evidence.detail?.freezes ?? 0));
    }
    for (const [key, n] of byStream) {
      assert.ok(n > 0, `freezes counted on ${key}`);
      assert.ok(
        n <= (rawFreezes.get(key) ?? 0),
        `${n} ≤ raw freezeCount ${rawFreezes.get(key)} on ${key}`,
      );
    }
  });
});

/**
 * Each diagnosis rule on hand-built inputs: it finds what it should, with the
 * right severity and evidence, and stays quiet on a clean or too-short input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findEpisodes } from '../../../src/analytics/diagnosis/episodes.ts';
import {
  jitterIssues,
  lossIssues,
  rttIssues,
} from '../../../src/analytics/diagnosis/network-rules.ts';
import {
  bandwidthIssues,
  cpuIssues,
  freezeIssues,
} from '../../../src/analytics/diagnosis/video-rules.ts';
import { concealmentIssues, noMediaIssues } from '../../../src/analytics/diagnosis/media-rules.ts';
import { iceIssues, relayIssues } from '../../../src/analytics/diagnosis/transport-rules.ts';
import { deviceIssues } from '../../../src/analytics/diagnosis/device-rules.ts';
import { precallIssues } from '../../../src/analytics/diagnosis/precall-rule.ts';
import { at, during, intervals, peer, stream } from './build-input.ts';

describe('episodes: hysteresis, merge, minimum length', () => {
  const ivs = intervals(30, (k) => ({
    lossPct: [5, 6].includes(k) ? 10 : k === 7 ? 2 : k === 20 ? 50 : during(k, 9, 11) ? 4 : 0,
  }));
  const found = findEpisodes(ivs, (i) => i.lossPct, { enter: 3, exit: 1 });
  it('joins samples above the exit level and runs closer than the merge gap, and drops a single bad sample', () => {
    // k=5,6 (10 %), k=7 (2 %: above exit, stays), k=8 clean, k=9,10 (4 %) within 6 s: one episode; k=20 alone: dropped.
    assert.equal(found.length, 1);
    assert.equal(found[0].start, at(10));
    assert.equal(found[0].end, at(22));
    assert.deepEqual(found[0].values, [10, 10, 2, 4, 4]);
  });
  it('typicalPastEnter: an episode held open by a lossy baseline keeps only its strict core', () => {
    const weak = intervals(10, (k) => ({ lossPct: k === 2 ? 3 : during(k, 3, 8) ? 2 : 0 }));
    assert.equal(findEpisodes(weak, (i) => i.lossPct, { enter: 3, exit: 1 }).length, 1);
    assert.equal(
      findEpisodes(weak, (i) => i.lossPct, { enter: 3, exit: 1, typicalPastEnter: true }).length,
      0,
    );
    // 2 % baseline for a minute with two 15 % bursts: the bursts, not the minute.
    const baseline = intervals(30, (k) => ({
      lossPct: during(k, 3, 6) || during(k, 20, 23) ? 15 : 2,
    }));
    const found = findEpisodes(baseline, (i) => i.lossPct, {
      enter: 3,
      exit: 1,
      typicalPastEnter: true,
    });
    assert.deepEqual(
      found.map((e) => [e.start, e.end]),
      [
        [at(6), at(12)],
        [at(40), at(46)],
      ],
    );
  });
});

describe('packet loss', () => {
  it('grades by the median: 12 % is poor, 25 % bad, 4 % fair', () => {
    for (const [loss, severity] of [
      [12, 'poor'],
      [25, 'bad'],
      [4, 'fair'],
    ] as const) {
      const s = stream(
        'pc1|consumer|1',
        'receive',
        'audio',
        intervals(20, (k) => ({ lossPct: during(k, 5, 10) ? loss : 0 })),
      );
      const issues = lossIssues(s);
      assert.equal(issues.length, 1, `${loss} %`);
      assert.equal(issues[0].severity, severity);
      assert.equal(issues[0].evidence.metric, 'packet_loss_pct');
      assert.equal(issues[0].evidence.typical, loss);
      assert.equal(issues[0].evidence.samples, 5);
      assert.equal(issues[0].start, at(10));
      assert.equal(issues[0].end, at(20));
    }
  });
  it('is quiet on a clean stream and on one bad sample', () => {
    assert.deepEqual(
      lossIssues(
        stream(
          'a',
          'receive',
          'audio',
          intervals(20, () => ({ lossPct: 0.5 })),
        ),
      ),
      [],
    );
    assert.deepEqual(
      lossIssues(
        stream(
          'a',
          'receive',
          'audio',
          intervals(20, (k) => ({ lossPct: k === 4 ? 80 : 0 })),
        ),
      ),
      [],
    );
  });
});

describe('high RTT and jitter', () => {
  it('RTT of 600 ms for 20 s is poor, 1200 ms bad; 200 ms nothing', () => {
    assert.equal(
      rttIssues(
        stream(
          'a',
          'send',
          'audio',
          intervals(20, (k) => ({ rttMs: during(k, 2, 12) ? 600 : 50 })),
        ),
      )[0].severity,
      'poor',
    );
    assert.equal(
      rttIssues(
        stream(
          'a',
          'send',
          'audio',
          intervals(20, (k) => ({ rttMs: during(k, 2, 12) ? 1200 : 50 })),
        ),
      )[0].severity,
      'bad',
    );
    assert.deepEqual(
      rttIssues(
        stream(
          'a',
          'send',
          'audio',
          intervals(20, () => ({ rttMs: 200 })),
        ),
      ),
      [],
    );
  });
  it('jitter of 60 ms is poor', () => {
    const issues = jitterIssues(
      stream(
        'a',
        'receive',
        'audio',
        intervals(20, (k) => ({ jitterMs: during(k, 2, 8) ? 60 : 5 })),
      ),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0].severity, 'poor');
    assert.equal(issues[0].evidence.worst, 60);
  });
});

describe('bandwidth limitation', () => {
  const send = (fill: Parameters<typeof intervals>[1], n = 60) =>
    stream('pc1|producer|2', 'send', 'video', intervals(n, fill));
  it('ignores the ramp-up of the first 30 s of a clean call', () => {
    assert.deepEqual(
      bandwidthIssues(
        send((k) => ({
          limitation: k < 13 ? 'bandwidth' : undefined,
          fps: 30,
          width: 1280,
          height: 720,
        })),
      ),
      [],
    );
  });
  it('finds a limitation after the ramp-up, graded by what the picture lost', () => {
    const issues = bandwidthIssues(
      send((k) =>
        during(k, 30, 40)
          ? { limitation: 'bandwidth', fps: 30, width: 640, height: 360, bitrateBps: 400_000 }
          : { fps: 30, width: 1280, height: 720, bitrateBps: 1_500_000 },
      ),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0].severity, 'bad'); // a quarter of the pixels
    assert.equal(issues[0].evidence.detail?.pixel_share, 0.25);
    assert.equal(issues[0].attribution.cause, 'own_uplink');
  });
  it('counts a low available outgoing bitrate without the reason (and needs 10 s)', () => {
    const issues = bandwidthIssues(
      send((k) => ({
        fps: 30,
        width: 1280,
        height: 720,
        availableOutgoingKbps: during(k, 30, 36) ? 200 : 2500,
      })),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0].evidence.detail?.lowest_available_outgoing_kbps, 200);
    assert.deepEqual(
      bandwidthIssues(
        send((k) => ({ fps: 30, availableOutgoingKbps: during(k, 30, 33) ? 200 : 2500 })),
      ),
      [],
    );
  });
  it('is not raised on audio or received streams', () => {
    assert.deepEqual(
      bandwidthIssues(
        stream(
          'a',
          'receive',
          'video',
          intervals(60, () => ({ limitation: 'bandwidth' })),
        ),
      ),
      [],
    );
  });
});

describe('CPU limitation', () => {
  it('finds 20 s of cpu limitation, poor when the frame rate fell by half', () => {
    const issues = cpuIssues(
      stream(
        'a',
        'send',
        'video',
        intervals(40, (k) => (during(k, 10, 20) ? { limitation: 'cpu', fps: 12 } : { fps: 30 })),
      ),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0].severity, 'poor');
    assert.equal(issues[0].attribution.cause, 'own_device');
  });
  it('ignores 4 s of it', () => {
    assert.deepEqual(
      cpuIssues(
        stream(
          'a',
          'send',
          'video',
          intervals(40, (k) => ({ limitation: during(k, 10, 12) ? 'cpu' : undefined, fps: 30 })),
        ),
      ),
      [],
    );
  });
});

describe('video freezes', () => {
  it('sums frozen time from the ratio, or from the freeze duration when given', () => {
    const byRatio = freezeIssues(
      stream(
        'a',
        'receive',
        'video',
        intervals(30, (k) => ({ freezeRatio: during(k, 10, 14) ? 0.5 : 0 })),
      ),
    );
    assert.equal(byRatio.length, 1);
    assert.equal(byRatio[0].evidence.detail?.frozen_s, 4);
    assert.equal(byRatio[0].severity, 'bad'); // frozen half of the episode (≥ 30 %)
    const byDuration = freezeIssues(
      stream(
        'a',
        'receive',
        'video',
        intervals(30, (k) => ({
          freezeDurationMs: k === 10 ? 1500 : 0,
          freezeCount: k === 10 ? 2 : 0,
        })),
      ),
    );
    assert.equal(byDuration[0].evidence.detail?.frozen_s, 1.5);
    assert.equal(byDuration[0].evidence.detail?.freezes, 2);
  });
  it('ignores less than a second of freezing', () => {
    assert.deepEqual(
      freezeIssues(
        stream(
          'a',
          'receive',
          'video',
          intervals(30, (k) => ({ freezeRatio: k === 3 ? 0.2 : 0 })),
        ),
      ),
      [],
    );
  });
});

describe('audio concealment and no media', () => {
  it('concealment of 8 % for 20 s is poor', () => {
    const issues = concealmentIssues(
      stream(
        'a',
        'receive',
        'audio',
        intervals(30, (k) => ({ concealedPct: during(k, 5, 15) ? 8 : 0.2 })),
      ),
    );
    assert.equal(issues.length, 1);
    assert.equal(issues[0].severity, 'poor');
  });
  it('no media: a 10 s gap after media flowed; never a receiver that never got anything', () => {
    const gap = noMediaIssues(
      stream(
        'a',
        'receive',
        'audio',
        intervals(30, (k) => ({ packets: during(k, 10, 16) ? 0 : 50 })),
      ),
    );
    assert.equal(gap.length, 1);
    assert.equal(gap[0].start, at(20));
    assert.equal(gap[0].end, at(32));
    assert.deepEqual(
      noMediaIssues(
        stream(
          'a',
          'receive',
          'video',
          intervals(30, () => ({ packets: 0, noVideo: true })),
        ),
      ),
      [],
    );
    assert.deepEqual(
      noMediaIssues(
        stream(
          'a',
          'receive',
          'audio',
          intervals(30, (k) => ({ packets: during(k, 10, 13) ? 0 : 50 })),
        ),
      ),
      [],
    );
  });
});

describe('ICE and relay', () => {
  const s = stream(
    'pc1|consumer|1',
    'receive',
    'audio',
    intervals(100, () => ({})),
  );
  it('disconnected for 20 s then connected is bad; 3 s is fair; failed without other media is bad', () => {
    const events = [
      {
        ts: at(1),
        name: 'ice_connection_state_change',
        pc: 'pc1',
        metadata: { state: 'connected' },
      },
      {
        ts: at(50),
        name: 'ice_connection_state_change',
        pc: 'pc1',
        metadata: { state: 'disconnected' },
      },
      {
        ts: at(70),
        name: 'ice_connection_state_change',
        pc: 'pc1',
        metadata: { state: 'connected' },
      },
      {
        ts: at(100),
        name: 'ice_connection_state_change',
        pc: 'pc1',
        metadata: { state: 'disconnected' },
      },
      {
        ts: at(103),
        name: 'ice_connection_state_change',
        pc: 'pc1',
        metadata: { state: 'connected' },
      },
      { ts: at(120), name: 'ice_restart', pc: 'pc1' },
      {
        ts: at(130),
        name: 'ice_connection_state_change',
        pc: 'pc2',
        metadata: { state: 'checking' },
      },
      {
        ts: at(140),
        name: 'ice_connection_state_change',
        pc: 'pc2',
        metadata: { state: 'failed' },
      },
    ];
    const issues = iceIssues(peer([s], { events }));
    const kinds = issues.map((i) => `${i.kind}:${i.severity}`).sort();
    assert.deepEqual(kinds, [
      'ice_disconnected:bad',
      'ice_disconnected:fair',
      'ice_failed:fair',
      'ice_restart:fair',
    ]);
    // The same failure on a peer that carried no media elsewhere is bad.
    const alone = iceIssues(peer([], { events: events.filter((e) => e.pc === 'pc2') }));
    assert.equal(alone[0].severity, 'bad');
  });
  it('relay over TLS and ICE-TCP are found; TURN over UDP is not', () => {
    const transports = [
      {
        pc: 'pc1',
        ts: at(10),
        localCandidateType: 'relay',
        relayProtocol: 'tls',
        localProtocol: 'udp',
      },
      { pc: 'pc2', ts: at(10), localCandidateType: 'host', localProtocol: 'tcp' },
      {
        pc: 'pc3',
        ts: at(10),
        localCandidateType: 'relay',
        relayProtocol: 'udp',
        localProtocol: 'udp',
      },
    ];
    const issues = relayIssues(peer([s], { transports }));
    assert.deepEqual(
      issues.map((i) => i.evidence.detail?.via),
      ['TURN over TLS', 'ICE-TCP'],
    );
  });
});

describe('device problems', () => {
  it('getUserMedia failure, a track ended mid-call; not a hang-up, not a user mute', () => {
    const events = [
      { ts: at(0.5), name: 'get_user_media_failure', metadata: { error: 'NotReadableError' } },
      { ts: at(100), name: 'track_ended', metadata: { kind: 'video' } },
      { ts: at(150), name: 'track_disabled', metadata: { kind: 'audio' } },
      { ts: at(160), name: 'mute', metadata: { kind: 'audio' } },
      { ts: at(598), name: 'track_ended', metadata: { kind: 'audio' } },
    ];
    const issues = deviceIssues(peer([], { events }));
    assert.deepEqual(
      issues.map((i) => [i.evidence.detail?.event, i.severity]),
      [
        ['get_user_media_failure', 'bad'],
        ['track_ended', 'poor'],
      ],
    );
    assert.ok(
      issues.every((i) => i.attribution.cause === 'own_device'),
      "issues.every((i) => i.attribution.cause === 'own_device')",
    );
  });
});

describe('precall predicted', () => {
  it('links a precall loss to an in-call loss, and says nothing when the call did not confirm it', () => {
    const loss = lossIssues(
      stream(
        'a',
        'receive',
        'audio',
        intervals(20, (k) => ({ lossPct: during(k, 5, 10) ? 12 : 0 })),
      ),
    );
    const precall = { ts: at(-10), fractionalLoss: 0.08, rttMs: 40 };
    const found = precallIssues(precall, loss);
    assert.equal(found.length, 1);
    assert.equal(found[0].kind, 'precall_predicted');
    assert.equal(found[0].evidence.detail?.confirmed_by, 'packet_loss');
    assert.deepEqual(precallIssues(precall, []), []);
    assert.deepEqual(precallIssues({ ts: at(-10), fractionalLoss: 0 }, loss), []);
  });
});

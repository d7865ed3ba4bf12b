/**
 * The rules that read the repair and bandwidth evidence of the packed rows
 * (NACKs, retransmissions, freezes, concealment, available and target
 * bitrate), on hand-built inputs, and the mapping of a packed row into the
 * rules' interval. Thresholds: thresholds.ts (REPAIR, CONCEALMENT_EPISODE).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnoseOwn } from '../../../src/analytics/diagnosis/engine.ts';
import { intervalFromMetricRow } from '../../../src/analytics/diagnosis/from-metric-rows.ts';
import { concealmentIssues } from '../../../src/analytics/diagnosis/media-rules.ts';
import {
  repairedLossIssues,
  repairedLossPct,
} from '../../../src/analytics/diagnosis/repair-rules.ts';
import { bandwidthIssues } from '../../../src/analytics/diagnosis/video-rules.ts';
import { packMetricRows, unpackMetricRows } from '../../../src/analytics/metric-packing.ts';
import { at, during, intervals, peer, stream } from './build-input.ts';

describe('packed evidence as rule input', () => {
  it('maps NACKs, retransmissions, freezes, concealment, available and target bitrate from a stored row', () => {
    const [row] = unpackMetricRows(
      packMetricRows([
        { t: at(2), d: 2, pk: 180, nk: 7, rx: 19, fc: 2, fd: 1500, cs: 4.5, ab: 812.5, tb: 700 },
      ]),
    );
    const i = intervalFromMetricRow(row);
    assert.equal(i.nackCount, 7);
    assert.equal(i.retransmittedPackets, 19);
    assert.equal(i.freezeCount, 2);
    assert.equal(i.freezeDurationMs, 1500);
    assert.equal(i.concealedPct, 4.5);
    assert.equal(i.availableOutgoingKbps, 812.5);
    assert.equal(i.targetKbps, 700);
  });
  it('leaves them undefined on a row without them (an older chunk)', () => {
    const i = intervalFromMetricRow({ t: at(2), d: 2, pk: 100 });
    assert.equal(i.nackCount, undefined);
    assert.equal(i.concealedPct, undefined);
    assert.equal(i.availableOutgoingKbps, undefined);
  });
});

describe('lost and repaired against the W3C counters (packetsReceived includes RTX; RTX repairs stay counted lost)', () => {
  // The shape measured on a 10 %-lossy P2P video in the scenario suite: per interval ~80 packets received of
  // which ~70 RTX (mostly bandwidth probes), 1 counted lost, rarely a NACK. The old count (retransmitted /
  // received) read 87.5 % "repaired" for it.
  const probes = (k: number) => ({
    packets: 80,
    retransmittedPackets: 70,
    // The row's loss is over the stream's own packets (10 received + 1 lost).
    lossPct: k % 2 === 0 ? (1 / 11) * 100 : 0,
    nackCount: k % 5 === 0 ? 1 : 0,
  });
  it('RTX probes are not repairs: a repair is at most a packet counted lost', () => {
    assert.equal(
      repairedLossPct({ t: at(2), d: 2, packets: 500, retransmittedPackets: 400, lossPct: 0 }),
      0,
      '400 RTX packets, nothing lost: nothing repaired',
    );
    // 2 lost of 100 own packets: at most 2 repaired whatever the RTX count.
    assert.equal(
      repairedLossPct({ t: at(2), d: 2, packets: 500, retransmittedPackets: 400, lossPct: 2 }),
      2,
    );
  });
  it("too few of the stream's own packets are not judged (the RTX packets do not count toward the minimum)", () => {
    assert.equal(repairedLossPct({ t: at(2), d: 2, ...probes(0) }), undefined);
  });
  it('the measured shape gives no repaired-loss issue; its loss, over its own packets, is a loss issue', () => {
    const s = stream('pc1|consumer|9', 'receive', 'video', intervals(30, probes), {
      topology: 'p2p',
    });
    assert.deepEqual(repairedLossIssues(s), []);
    const own = diagnoseOwn(peer([s]));
    const loss = own.issues.find((i) => i.kind === 'packet_loss');
    assert.ok(loss, `a loss issue in ${JSON.stringify(own.issues)}`);
    assert.equal(loss.evidence.metric, 'packet_loss_pct');
  });
});

describe('repaired loss (an SFU that retransmits)', () => {
  // 10 % downlink loss on video, repaired by an SFU that retransmits on the same SSRC (no RTX, so no
  // retransmission count, and each repaired packet counts as received): 0 % lost, 20 NACKs per 200 packets, freezes.
  const repaired = stream(
    'pc1|consumer|9',
    'receive',
    'video',
    intervals(60, (k) =>
      during(k, 10, 30)
        ? {
            packets: 200,
            lossPct: 0,
            nackCount: 20,
            freezeDurationMs: 600,
            freezeCount: 1,
          }
        : { packets: 200, lossPct: 0, nackCount: 0 },
    ),
    { topology: 'sfu' },
  );
  it('shows as packet_loss with the repaired-loss metric, graded poor at 10 %, beside the freezes', () => {
    const issues = repairedLossIssues(repaired);
    assert.equal(issues.length, 1);
    const [i] = issues;
    assert.equal(i.kind, 'packet_loss');
    assert.equal(i.evidence.metric, 'repaired_loss_pct');
    assert.equal(i.evidence.typical, 10);
    assert.equal(i.severity, 'poor');
    assert.equal(i.start, at(20));
    assert.equal(i.end, at(60));
    assert.deepEqual(i.evidence.detail, {
      nacks: 20 * 20,
      retransmitted_packets: 0,
      packets_received: 200 * 20,
      own_packets_received: 200 * 20,
    });
    const all = diagnoseOwn(peer([repaired]));
    assert.deepEqual(
      [...new Set(all.issues.map((x) => x.kind))].sort(),
      ['packet_loss', 'video_freeze'],
      'the loss and the freezes',
    );
  });
  it('at most poor: 40 % repaired is still poor (the packets arrived)', () => {
    const heavy = stream(
      'pc1|consumer|9',
      'receive',
      'video',
      intervals(20, () => ({ packets: 200, lossPct: 0, nackCount: 80 })),
    );
    assert.equal(repairedLossIssues(heavy)[0]?.severity, 'poor');
  });
  it('uses NACKs only without a retransmission count, and needs it sustained (≥ 3 samples, ≥ 6 s)', () => {
    assert.equal(repairedLossPct({ t: at(2), d: 2, packets: 100, nackCount: 10 }), 10);
    assert.equal(
      repairedLossPct({
        t: at(2),
        d: 2,
        packets: 101,
        lossPct: 2,
        nackCount: 10,
        retransmittedPackets: 1,
      }),
      1,
      'with RTX the retransmissions count, not the NACKs (which repeat for one packet): 1 of 100 + 2 lost',
    );
    // Firefox's real pattern: 8–10 NACKs for one lost packet in one or two samples.
    const burst = stream(
      'pc1|consumer|9',
      'receive',
      'video',
      intervals(30, (k) => ({
        packets: 100,
        lossPct: k === 10 ? 1 : 0,
        nackCount: k === 10 ? 10 : k === 11 ? 3 : 0,
      })),
    );
    assert.deepEqual(repairedLossIssues(burst), []);
  });
  it('says nothing when the loss counters already show the loss, on audio, on sent streams, or with few packets', () => {
    const counted = stream(
      'pc1|consumer|9',
      'receive',
      'video',
      intervals(30, () => ({ packets: 200, lossPct: 10, retransmittedPackets: 20 })),
    );
    assert.deepEqual(repairedLossIssues(counted), []);
    assert.equal(
      diagnoseOwn(peer([counted])).issues.filter((i) => i.kind === 'packet_loss').length,
      1,
    );
    for (const [direction, medium] of [
      ['receive', 'audio'],
      ['send', 'video'],
    ] as const)
      assert.deepEqual(
        repairedLossIssues(
          stream(
            'pc1|x|9',
            direction,
            medium,
            intervals(30, () => ({ packets: 200, lossPct: 0, nackCount: 30 })),
          ),
        ),
        [],
      );
    assert.deepEqual(
      repairedLossIssues(
        stream(
          'pc1|consumer|9',
          'receive',
          'video',
          intervals(30, () => ({ packets: 20, lossPct: 0, retransmittedPackets: 5 })),
        ),
      ),
      [],
      'too few packets to judge',
    );
  });
});

describe('audio concealment as measured on real calls', () => {
  it("ignores a stream's first sample (its figure covers the stream so far) and intervals without packets", () => {
    const s = stream(
      'pc1|consumer|7',
      'receive',
      'audio',
      intervals(30, (k) =>
        k === 0
          ? { d: undefined, concealedPct: 65, packets: 2 }
          : during(k, 10, 20)
            ? { concealedPct: 100, packets: 0 }
            : { concealedPct: 0 },
      ),
    );
    assert.deepEqual(concealmentIssues(s), []);
  });
  it('isolated 5–7 % samples between clean ones (jitter-buffer adaptation) are no issue; 10 % for 30 s is poor', () => {
    const blips = stream(
      'pc1|consumer|7',
      'receive',
      'audio',
      intervals(30, (k) => ({ concealedPct: k === 1 ? 7 : k === 5 ? 4.8 : 0 })),
    );
    assert.deepEqual(concealmentIssues(blips), []);
    const starved = stream(
      'pc1|consumer|7',
      'receive',
      'audio',
      intervals(40, (k) => ({
        concealedPct: during(k, 15, 30) ? (k === 20 ? 0 : 10) : 0,
        packets: during(k, 15, 30) ? 46 : 100,
      })),
    );
    const found = concealmentIssues(starved);
    assert.equal(found.length, 1, 'one episode across a single clean sample');
    assert.equal(found[0].severity, 'poor');
    assert.equal(found[0].evidence.typical, 10);
  });
});

describe('bandwidth: the available outgoing bitrate series', () => {
  const sent = (ab: (k: number) => number | undefined) =>
    stream(
      'pc1|producer|5',
      'send',
      'video',
      intervals(60, (k) => ({
        availableOutgoingKbps: ab(k),
        targetKbps: 900,
        width: 1280,
        height: 720,
        fps: 30,
        bitrateBps: 900_000,
      })),
      { topology: 'sfu' },
    );
  it("Chrome's start estimate of 300 kbit/s in the ramp-up is not a limitation", () => {
    assert.deepEqual(bandwidthIssues(sent((k) => (k < 3 ? 300 : k < 10 ? 250 : 2500))), []);
  });
  it('an estimate that falls under 300 kbit/s for 20 s after the ramp-up is, with the lowest value and target in the evidence', () => {
    const [i] = bandwidthIssues(sent((k) => (during(k, 30, 40) ? 240 : 2500)));
    assert.equal(i?.kind, 'bandwidth_limited');
    assert.equal(i.evidence.detail?.lowest_available_outgoing_kbps, 240);
    assert.equal(i.evidence.detail?.lowest_target_kbps, 900);
  });
  it('real clean calls never estimate under 470 kbit/s after the ramp-up: a steady 470 is not limited', () => {
    assert.deepEqual(bandwidthIssues(sent(() => 470.6)), []);
  });
});

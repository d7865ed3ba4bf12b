/**
 * The raw fields a diagnosis needs: retransmitted bytes, FEC, the selected pair's bandwidth estimate
 * on each producer sample (per transport), the encoder target, and an ended track of old browsers'
 * `track` stats. Inputs are small reports shaped like Chrome's output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeStatsReport } from '../../src/normalize/normalize-stats-report.ts';
import type { RawStat } from '../../src/normalize/types.ts';

test('producer samples carry retransmissions, target bitrate and the bandwidth estimate of their own transport', () => {
  const stats: RawStat[] = [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'P1' },
    { id: 'T2', type: 'transport', selectedCandidatePairId: 'P2' },
    {
      id: 'P1',
      type: 'candidate-pair',
      transportId: 'T1',
      state: 'succeeded',
      nominated: true,
      availableOutgoingBitrate: 1_250_000,
      currentRoundTripTime: 0.02,
    },
    {
      id: 'P2',
      type: 'candidate-pair',
      transportId: 'T2',
      state: 'succeeded',
      nominated: true,
      availableOutgoingBitrate: 300_000,
    },
    {
      id: 'o1',
      type: 'outbound-rtp',
      kind: 'video',
      ssrc: 1,
      transportId: 'T1',
      packetsSent: 900,
      retransmittedPacketsSent: 12,
      retransmittedBytesSent: 13_000,
      nackCount: 9,
      pliCount: 2,
      firCount: 0,
      targetBitrate: 1_100_000,
      timestamp: 1,
    },
    {
      id: 'o2',
      type: 'outbound-rtp',
      kind: 'audio',
      ssrc: 2,
      transportId: 'T2',
      packetsSent: 500,
      timestamp: 1,
    },
  ];
  const out = normalizeStatsReport({ pc: 'pc-1', ts: 5, stats });
  const video = out.samples.find((s) => s.ssrc === 1);
  const audio = out.samples.find((s) => s.ssrc === 2);
  assert.deepEqual(
    [
      video?.retransmitted_packets,
      video?.retransmitted_bytes,
      video?.nack_count,
      video?.pli_count,
      video?.fir_count,
      video?.target_bitrate,
      video?.available_outgoing_bitrate,
    ],
    [12, 13_000, 9, 2, 0, 1_100_000, 1_250_000],
  );
  assert.equal(
    audio?.available_outgoing_bitrate,
    300_000,
    'the pair of the stream transport, not the first one',
  );
  assert.equal(audio?.retransmitted_bytes, undefined, 'not reported: absent, never 0');
});

test('consumer samples carry received retransmissions and FEC; no bandwidth estimate (it is the sender side)', () => {
  const stats: RawStat[] = [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'P1' },
    { id: 'P1', type: 'candidate-pair', transportId: 'T1', availableOutgoingBitrate: 1_000_000 },
    {
      id: 'i1',
      type: 'inbound-rtp',
      kind: 'video',
      ssrc: 7,
      transportId: 'T1',
      packetsReceived: 1000,
      packetsLost: 4,
      retransmittedPacketsReceived: 30,
      retransmittedBytesReceived: 31_000,
      fecPacketsReceived: 5,
      fecPacketsDiscarded: 3,
      nackCount: 33,
      freezeCount: 1,
      totalFreezesDuration: 0.8,
      timestamp: 1,
    },
  ];
  const [s] = normalizeStatsReport({ pc: 'pc-1', ts: 5, stats }).samples;
  assert.deepEqual(
    [
      s.retransmitted_packets,
      s.retransmitted_bytes,
      s.fec_packets,
      s.fec_packets_discarded,
      s.nack_count,
      s.freeze_count,
      s.total_freezes_duration_s,
      s.available_outgoing_bitrate,
    ],
    [30, 31_000, 5, 3, 33, 1, 0.8, undefined],
  );
});

test('an ended track of the legacy `track` stat (Chrome < 110, Safari) marks the sample; a live one does not', () => {
  const stats: RawStat[] = [
    {
      id: 'tr1',
      type: 'track',
      kind: 'audio',
      trackIdentifier: 'mic',
      ended: true,
      remoteSource: false,
    },
    {
      id: 'tr2',
      type: 'track',
      kind: 'audio',
      trackIdentifier: 'remote',
      ended: false,
      remoteSource: true,
    },
    {
      id: 'o1',
      type: 'outbound-rtp',
      kind: 'audio',
      ssrc: 1,
      trackId: 'tr1',
      packetsSent: 10,
      timestamp: 1,
    },
    {
      id: 'i1',
      type: 'inbound-rtp',
      kind: 'audio',
      ssrc: 2,
      trackId: 'tr2',
      packetsReceived: 10,
      timestamp: 1,
    },
  ];
  const out = normalizeStatsReport({ pc: 'pc-1', ts: 5, stats });
  assert.equal(out.samples.find((s) => s.ssrc === 1)?.track_ended, true);
  assert.equal(out.samples.find((s) => s.ssrc === 2)?.track_ended, undefined);
});

/**
 * Quirks that the three real snapshots do not exercise: pre-standard Firefox stats, simulcast,
 * screenshare classification and the candidate-pair selection fallbacks. Inputs are small
 * hand-written reports shaped like the browsers' output (names from the old Firefox / W3C specs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeStatsReport } from '../../src/normalize/normalize-stats-report.ts';
import type { RawStat } from '../../src/normalize/types.ts';

test('Firefox < 66: isRemote inbound/outbound stats, mozRtt in ms, old candidate spellings', () => {
  const stats: RawStat[] = [
    {
      id: 'outbound_rtp_audio_0',
      type: 'outboundrtp',
      isRemote: false,
      mediaType: 'audio',
      ssrc: '111',
      packetsSent: 500,
      bytesSent: 40000,
      remoteId: 'outbound_rtcp_audio_0',
      timestamp: 1500000000000,
    },
    {
      id: 'outbound_rtcp_audio_0',
      type: 'inboundrtp',
      isRemote: true,
      mediaType: 'audio',
      ssrc: '111',
      packetsLost: 7,
      jitter: 0.004,
      mozRtt: 37,
      timestamp: 1500000000100,
    },
    {
      id: 'inbound_rtp_video_1',
      type: 'inboundrtp',
      isRemote: false,
      mediaType: 'video',
      ssrc: '222',
      packetsReceived: 900,
      packetsLost: 3,
      jitter: 0.01,
      timestamp: 1500000000000,
    },
    {
      id: 'inbound_rtcp_video_1',
      type: 'outboundrtp',
      isRemote: true,
      mediaType: 'video',
      ssrc: '222',
      packetsSent: 903,
      timestamp: 1500000000000,
    },
    {
      id: 'p1',
      type: 'candidatepair',
      selected: true,
      nominated: true,
      state: 'succeeded',
      localCandidateId: 'l1',
      remoteCandidateId: 'r1',
      timestamp: 1500000000000,
    },
    {
      id: 'l1',
      type: 'localcandidate',
      ipAddress: '10.0.0.2',
      portNumber: 5000,
      transport: 'udp',
      candidateType: 'serverreflexive',
    },
    {
      id: 'r1',
      type: 'remotecandidate',
      ipAddress: '198.51.100.7',
      portNumber: 3478,
      transport: 'udp',
      candidateType: 'relayed',
    },
  ];
  const out = normalizeStatsReport({ pc: 'old-ff', stats });
  assert.equal(out.ts, 1500000000100);
  assert.equal(out.samples.length, 2, 'the isRemote stats are not streams of their own');
  const producer = out.samples.find((s) => s.direction === 'producer');
  assert.deepEqual(
    {
      media: producer?.media,
      ssrc: producer?.ssrc,
      packets_lost: producer?.packets_lost,
      rtt_ms: producer?.rtt_ms,
      rtt_source: producer?.rtt_source,
    },
    { media: 'audio', ssrc: 111, packets_lost: 7, rtt_ms: 37, rtt_source: 'remote-inbound-rtp' },
  );
  const consumer = out.samples.find((s) => s.direction === 'consumer');
  assert.equal(consumer?.media, 'video');
  assert.equal(consumer?.packets, 900);
  assert.equal(consumer?.jitter_ms, 10);
  assert.equal(out.candidate_pairs[0].selected, true);
  assert.deepEqual(out.candidate_pairs[0].local, {
    id: 'l1',
    address: '10.0.0.2',
    port: 5000,
    protocol: 'udp',
    candidate_type: 'srflx',
  });
  assert.equal(out.candidate_pairs[0].remote?.candidate_type, 'relay');
});

test('simulcast: one producer sample per outbound-rtp layer, each with its rid and own remote-inbound-rtp', () => {
  const stats: RawStat[] = [
    { id: 'c', type: 'codec', mimeType: 'video/VP8', clockRate: 90000 },
    ...['q', 'h', 'f'].flatMap((rid, i): RawStat[] => [
      {
        id: `out-${rid}`,
        type: 'outbound-rtp',
        kind: 'video',
        ssrc: 1000 + i,
        rid,
        codecId: 'c',
        packetsSent: 100 * (i + 1),
        frameWidth: 320 * (i + 1),
        timestamp: 1,
      },
      {
        id: `rib-${rid}`,
        type: 'remote-inbound-rtp',
        kind: 'video',
        ssrc: 1000 + i,
        localId: `out-${rid}`,
        packetsLost: i,
        roundTripTime: 0.05,
        timestamp: 1,
      },
    ]),
  ];
  const out = normalizeStatsReport({ pc: 'sfu', ts: 5, stats });
  assert.deepEqual(
    out.samples.map((s) => [s.rid, s.ssrc, s.packets, s.packets_lost, s.frame_width, s.codec]),
    [
      ['q', 1000, 100, 0, 320, 'video/VP8'],
      ['h', 1001, 200, 1, 640, 'video/VP8'],
      ['f', 1002, 300, 2, 960, 'video/VP8'],
    ],
  );
  assert.deepEqual(out.codecs, { c: 'video/VP8' });
});

test('screenshare: Chrome contentType by default, or the caller predicate', () => {
  const stats: RawStat[] = [
    {
      id: 'o1',
      type: 'outbound-rtp',
      kind: 'video',
      ssrc: 1,
      contentType: 'screenshare',
      mid: '2',
      timestamp: 1,
    },
    { id: 'o2', type: 'outbound-rtp', kind: 'video', ssrc: 2, mid: '1', timestamp: 1 },
    {
      id: 'i1',
      type: 'inbound-rtp',
      kind: 'audio',
      ssrc: 3,
      mid: '3',
      trackIdentifier: 'screen-audio',
      timestamp: 1,
    },
  ];
  const byDefault = normalizeStatsReport({ pc: 'a', stats });
  assert.deepEqual(
    byDefault.samples.map((s) => s.media),
    ['screenshare_video', 'video', 'audio'],
  );
  const seen: unknown[] = [];
  const custom = normalizeStatsReport(
    { pc: 'a', stats },
    {
      screenshare: (info) => {
        seen.push(info);
        return info.trackIdentifier === 'screen-audio' || info.mid === '1';
      },
    },
  );
  assert.deepEqual(
    custom.samples.map((s) => s.media),
    ['video', 'screenshare_video', 'screenshare_audio'],
  );
  assert.deepEqual(seen[0], {
    ssrc: 1,
    kind: 'video',
    direction: 'producer',
    mid: '2',
    contentType: 'screenshare',
  });
  assert.deepEqual(seen[2], {
    ssrc: 3,
    kind: 'audio',
    direction: 'consumer',
    mid: '3',
    trackIdentifier: 'screen-audio',
  });
});

test('selected pair: per transport id, else nominated + succeeded (busiest), and RTT follows the stream transport', () => {
  const stats: RawStat[] = [
    { id: 'T1', type: 'transport', selectedCandidatePairId: 'P1' },
    { id: 'T2', type: 'transport', selectedCandidatePairId: 'P2' },
    { id: 'P1', type: 'candidate-pair', transportId: 'T1', currentRoundTripTime: 0.1 },
    { id: 'P2', type: 'candidate-pair', transportId: 'T2', currentRoundTripTime: 0.2 },
    { id: 'a', type: 'inbound-rtp', kind: 'audio', ssrc: 1, transportId: 'T2', timestamp: 1 },
    { id: 'v', type: 'inbound-rtp', kind: 'video', ssrc: 2, transportId: 'T1', timestamp: 1 },
  ];
  const out = normalizeStatsReport({ pc: 'x', stats });
  assert.deepEqual(
    out.samples.map((s) => s.rtt_ms),
    [200, 100],
  );
  assert.deepEqual(
    out.candidate_pairs.map((p) => p.selected),
    [true, true],
  );

  const noTransport: RawStat[] = [
    {
      id: 'A',
      type: 'candidate-pair',
      nominated: true,
      state: 'succeeded',
      bytesSent: 10,
      bytesReceived: 10,
    },
    {
      id: 'B',
      type: 'candidate-pair',
      nominated: true,
      state: 'succeeded',
      bytesSent: 500,
      bytesReceived: 10,
    },
    { id: 'C', type: 'candidate-pair', nominated: false, state: 'succeeded', bytesSent: 9000 },
  ];
  const fallback = normalizeStatsReport({ pc: 'x', ts: 1, stats: noTransport });
  assert.deepEqual(
    fallback.candidate_pairs.map((p) => [p.id, p.selected]),
    [
      ['A', false],
      ['B', true],
      ['C', false],
    ],
  );
});

test('absent fields stay absent; numeric strings and JSON-string objects are read', () => {
  const stats: RawStat[] = [
    {
      id: 'o',
      type: 'outbound-rtp',
      kind: 'video',
      ssrc: '7',
      packetsSent: '12',
      qualityLimitationReason: 'bandwidth',
      qualityLimitationDurations: '{"bandwidth":1.5,"cpu":0,"none":3,"other":0}',
      timestamp: 1,
    },
    { id: 'x', type: 'outbound-rtp', kind: 'video', timestamp: 1 },
  ];
  const out = normalizeStatsReport({ pc: 'p', stats });
  assert.equal(out.samples.length, 1, 'a stream without ssrc is skipped');
  const s = out.samples[0];
  assert.equal(s.ssrc, 7);
  assert.equal(s.packets, 12);
  assert.deepEqual(s.quality_limitation_durations, { bandwidth: 1.5, cpu: 0, none: 3, other: 0 });
  assert.equal('bytes' in s, false);
  assert.equal('rtt_ms' in s, false);
  assert.equal(out.transport, undefined);
});

/**
 * The engine's input built from stored rows (pure): metric rows grouped by
 * stream in time order, each stream's identity from its last stored sample,
 * its topology from the connection's metadata, device removals as events,
 * only selected candidate pairs, and the precall result.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packMetricRows } from '../../../src/analytics/metric-packing.ts';
import { diagnosisInput } from '../../../src/analytics/diagnosis/diagnosis-input.ts';
import { at, T0 } from './build-input.ts';

describe('diagnosisInput', () => {
  const input = diagnosisInput({
    peer: {
      id: 'p1',
      joined_at: T0,
      left_at: at(600),
      precall: JSON.stringify({
        ts: at(-5),
        rtt_ms: 420,
        fractional_loss: 0.05,
        relay_connectivity: false,
      }),
    },
    chunks: [
      // Two chunks of one stream, the later one first (a late batch), and a sent video stream.
      {
        series: 'audio_consumer',
        stream_key: 'pcA|consumer|11',
        metrics: packMetricRows([{ t: at(6), d: 2, loss: 4, pk: 90 }]),
      },
      {
        series: 'audio_consumer',
        stream_key: 'pcA|consumer|11',
        metrics: packMetricRows([
          { t: at(2), d: 2, loss: 0, pk: 100 },
          { t: at(4), d: 2, nv: 1, pk: 0 },
        ]),
      },
      {
        series: 'screenshare_video_producer',
        stream_key: 'pcB|producer|22',
        metrics: packMetricRows([{ t: at(2), d: 2, ql: 'b', w: 640, h: 360, fr: 30 }]),
      },
      { series: 'not_a_series', stream_key: 'x|y|1', metrics: packMetricRows([{ t: at(2) }]) },
    ],
    streamStates: [
      {
        stream_key: 'pcA|consumer|11',
        last_sample: JSON.stringify({
          remote_peer_id: 'p2',
          producer_id: 'prodX',
          consumer_id: 'consY',
        }),
      },
    ],
    events: [
      { ts: at(30), name: 'track_ended', pc: 'pcB', metadata: JSON.stringify({ kind: 'video' }) },
    ],
    deviceUpdates: [
      {
        ts: at(40),
        kind: 'audioinput',
        payload: JSON.stringify({
          ts: at(40),
          kind: 'audioinput',
          added: [],
          removed: [{ label: 'USB mic' }],
        }),
      },
      {
        ts: at(41),
        kind: 'videoinput',
        payload: JSON.stringify({
          ts: at(41),
          kind: 'videoinput',
          added: [{ label: 'cam' }],
          removed: [],
        }),
      },
    ],
    pcMetadata: [
      { pc: 'pcA', payload: JSON.stringify({ pc: 'pcA', role: 'sfu' }) },
      { pc: 'pcB', payload: '{not json' },
    ],
    candidatePairs: [
      {
        pc: 'pcA',
        ts: at(10),
        selected: 1,
        payload: JSON.stringify({
          local: { candidate_type: 'relay', relay_protocol: 'tcp', protocol: 'udp' },
          remote: { candidate_type: 'host' },
        }),
      },
      {
        pc: 'pcA',
        ts: at(10),
        selected: 0,
        payload: JSON.stringify({ local: { candidate_type: 'host' } }),
      },
    ],
  });
  it('groups metric rows by stream, in time order, with identity and topology', () => {
    assert.equal(input.streams.length, 2);
    const a = input.streams.find((s) => s.key === 'pcA|consumer|11')!;
    assert.deepEqual(
      [a.direction, a.medium, a.pc, a.ssrc, a.topology, a.remotePeerId, a.producerId, a.consumerId],
      ['receive', 'audio', 'pcA', 11, 'sfu', 'p2', 'prodX', 'consY'],
    );
    assert.deepEqual(
      a.intervals.map((i) => [i.t, i.lossPct, i.packets, i.noVideo]),
      [
        [at(2), 0, 100, undefined],
        [at(4), undefined, 0, true],
        [at(6), 4, 90, undefined],
      ],
    );
    const b = input.streams.find((s) => s.key === 'pcB|producer|22')!;
    assert.deepEqual(
      [
        b.direction,
        b.medium,
        b.topology,
        b.intervals[0].limitation,
        b.intervals[0].width,
        b.intervals[0].noVideo,
      ],
      ['send', 'screenshare', 'unknown', 'bandwidth', 640, false],
    );
  });
  it('maps events, device removals (not additions), selected pairs only, and the precall result', () => {
    assert.deepEqual(
      input.events.map((e) => e.name),
      ['track_ended', 'device_removed'],
    );
    assert.deepEqual(input.events[0].metadata, { kind: 'video' });
    assert.deepEqual(input.transports, [
      {
        pc: 'pcA',
        ts: at(10),
        localCandidateType: 'relay',
        localProtocol: 'udp',
        relayProtocol: 'tcp',
        remoteCandidateType: 'host',
      },
    ]);
    assert.deepEqual(input.precall, {
      ts: at(-5),
      rttMs: 420,
      jitterMs: undefined,
      fractionalLoss: 0.05,
      throughputKbps: undefined,
      relayConnectivity: false,
      reflexiveConnectivity: undefined,
      hostConnectivity: undefined,
    });
    assert.equal(input.leftAt, at(600));
  });
});

/**
 * The normaliser against three real getStats() snapshots (skyway-lab/rtcstats-wrapper fixtures):
 * Chrome 77 (`[id, stat]` pairs), Firefox 67 (old ids, no codec/transport stats) and Safari 12.1
 * (no remote-inbound-rtp). Every expectation is read from the raw file with `find()` below.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { StreamSample } from '../../src/model/telemetry.ts';
import { normalizeStatsReport } from '../../src/normalize/normalize-stats-report.ts';
import type { RawStat } from '../../src/normalize/types.ts';
import path from 'node:path';
import { realdataPath } from '../support/realdata.ts';

const DIR = realdataPath('skyway-rtcstats-wrapper/');

/** The file as `[id, stat]` pairs (all three skyway files use that layout). */
function load(name: string): [string, RawStat][] {
  return JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as [string, RawStat][];
}

function statsOf(pairs: [string, RawStat][]): RawStat[] {
  return pairs.map(([, stat]) => stat);
}

/** The single raw stat of `type` whose kind (or mediaType) is `kind`. */
function find(stats: RawStat[], type: string, kind?: string): RawStat {
  const found = stats.filter(
    (s) => s.type === type && (kind === undefined || (s.kind ?? s.mediaType) === kind),
  );
  assert.equal(found.length, 1, `exactly one ${type} ${kind ?? ''} in the file`);
  return found[0];
}

function byId(stats: RawStat[], id: unknown): RawStat {
  const stat = stats.find((s) => s.id === id);
  assert.ok(stat, `stat ${String(id)} exists`);
  return stat;
}

function sampleOf(samples: StreamSample[], direction: string, media: string): StreamSample {
  const found = samples.filter((s) => s.direction === direction && s.media === media);
  assert.equal(found.length, 1, `exactly one ${media} ${direction} sample`);
  return found[0];
}

const maxTimestamp = (stats: RawStat[]): number =>
  Math.max(...stats.map((s) => s.timestamp as number));

test('Chrome 77: producer = outbound-rtp + remote-inbound-rtp + media-source + codec', () => {
  const raw = load('chrome-77.0.3842.0.json');
  const stats = statsOf(raw);
  const out = normalizeStatsReport({ pc: 'pc1', stats: raw });
  assert.equal(out.ts, Math.round(maxTimestamp(stats)));
  assert.equal(
    out.samples.length,
    stats.filter((s) => s.type === 'outbound-rtp' || s.type === 'inbound-rtp').length,
  );

  for (const kind of ['audio', 'video'] as const) {
    const outbound = find(stats, 'outbound-rtp', kind);
    const rib = stats.find(
      (s) => s.type === 'remote-inbound-rtp' && s.localId === outbound.id,
    ) as RawStat;
    const codec = byId(stats, outbound.codecId);
    const source = byId(stats, outbound.mediaSourceId);
    const sample = sampleOf(out.samples, 'producer', kind);
    assert.equal(sample.pc, 'pc1');
    assert.equal(sample.ssrc, outbound.ssrc);
    assert.equal(sample.packets, outbound.packetsSent);
    assert.equal(sample.bytes, outbound.bytesSent);
    assert.equal(sample.codec, codec.mimeType);
    assert.equal(sample.clock_rate, codec.clockRate);
    assert.equal(sample.track_id, source.trackIdentifier);
    assert.equal(sample.packets_lost, rib.packetsLost);
    assert.equal(sample.jitter_ms, (rib.jitter as number) * 1000);
    assert.equal(sample.rtt_ms, (rib.roundTripTime as number) * 1000);
    assert.equal(sample.rtt_source, 'remote-inbound-rtp');
    assert.equal(sample.retransmitted_packets, outbound.retransmittedPacketsSent);
    assert.equal(out.codecs[codec.id], codec.mimeType);
  }
  const video = sampleOf(out.samples, 'producer', 'video');
  const outVideo = find(stats, 'outbound-rtp', 'video');
  const senderTrack = byId(stats, outVideo.trackId);
  assert.equal(video.frames_encoded, outVideo.framesEncoded);
  assert.equal(video.key_frames_encoded, outVideo.keyFramesEncoded);
  assert.equal(video.qp_sum, outVideo.qpSum);
  assert.equal(video.total_encode_time_s, outVideo.totalEncodeTime);
  assert.equal(video.quality_limitation_reason, outVideo.qualityLimitationReason);
  // Chrome 77 keeps frame size and framesSent on the sender `track` stat.
  assert.equal(video.frame_width, senderTrack.frameWidth);
  assert.equal(video.frame_height, senderTrack.frameHeight);
  assert.equal(video.frames_sent, senderTrack.framesSent);
});

test('Chrome 77: consumer = inbound-rtp + receiver track; RTT from the selected pair', () => {
  const raw = load('chrome-77.0.3842.0.json');
  const stats = statsOf(raw);
  const out = normalizeStatsReport({ pc: 'pc1', stats: raw });
  const transport = find(stats, 'transport');
  const pair = byId(stats, transport.selectedCandidatePairId);
  // Chrome 77 has no remote-outbound-rtp, so consumer RTT falls back to the candidate pair.
  assert.equal(stats.filter((s) => s.type === 'remote-outbound-rtp').length, 0);
  for (const kind of ['audio', 'video'] as const) {
    const inbound = find(stats, 'inbound-rtp', kind);
    const track = byId(stats, inbound.trackId);
    const sample = sampleOf(out.samples, 'consumer', kind);
    assert.equal(sample.ssrc, inbound.ssrc);
    assert.equal(sample.packets, inbound.packetsReceived);
    assert.equal(sample.bytes, inbound.bytesReceived);
    assert.equal(sample.packets_lost, inbound.packetsLost);
    assert.equal(
      sample.jitter_ms,
      (inbound.jitter as number | undefined) === undefined
        ? undefined
        : (inbound.jitter as number) * 1000,
    );
    assert.equal(sample.rtt_ms, (pair.currentRoundTripTime as number) * 1000);
    assert.equal(sample.rtt_source, 'candidate-pair');
    assert.equal(sample.jitter_buffer_delay_s, track.jitterBufferDelay);
    assert.equal(sample.jitter_buffer_emitted_count, track.jitterBufferEmittedCount);
    assert.equal(sample.track_id, track.trackIdentifier);
  }
  const audio = sampleOf(out.samples, 'consumer', 'audio');
  const audioTrack = byId(stats, find(stats, 'inbound-rtp', 'audio').trackId);
  assert.equal(audio.concealed_samples, audioTrack.concealedSamples);
  assert.equal(audio.concealment_events, audioTrack.concealmentEvents);
  assert.equal(audio.total_samples_received, audioTrack.totalSamplesReceived);
  assert.equal(audio.audio_level, audioTrack.audioLevel);
  const video = sampleOf(out.samples, 'consumer', 'video');
  const inVideo = find(stats, 'inbound-rtp', 'video');
  const videoTrack = byId(stats, inVideo.trackId);
  assert.equal(video.frames_decoded, inVideo.framesDecoded);
  assert.equal(video.key_frames_decoded, inVideo.keyFramesDecoded);
  assert.equal(video.total_decode_time_s, inVideo.totalDecodeTime);
  assert.equal(video.frames_dropped, videoTrack.framesDropped);
  assert.equal(video.frames_received, videoTrack.framesReceived);
  assert.equal(video.frame_width, videoTrack.frameWidth);
});

test('Chrome 77: selected candidate pair with candidate details', () => {
  const raw = load('chrome-77.0.3842.0.json');
  const stats = statsOf(raw);
  const out = normalizeStatsReport({ pc: 'pc1', stats: raw });
  const transport = find(stats, 'transport');
  const pair = byId(stats, transport.selectedCandidatePairId);
  const local = byId(stats, pair.localCandidateId);
  const remote = byId(stats, pair.remoteCandidateId);
  assert.equal(out.candidate_pairs.length, stats.filter((s) => s.type === 'candidate-pair').length);
  const selected = out.candidate_pairs.filter((p) => p.selected);
  assert.equal(selected.length, 1);
  const p = selected[0];
  assert.equal(p.id, pair.id);
  assert.equal(p.state, pair.state);
  assert.equal(p.nominated, pair.nominated);
  assert.equal(p.bytes_sent, pair.bytesSent);
  assert.equal(p.bytes_received, pair.bytesReceived);
  assert.equal(p.total_rtt_s, pair.totalRoundTripTime);
  assert.equal(p.available_outgoing_bitrate, pair.availableOutgoingBitrate);
  // Chrome 77 candidates use `ip` (not `address`).
  assert.deepEqual(p.local, {
    id: local.id,
    address: local.ip,
    port: local.port,
    protocol: local.protocol,
    candidate_type: local.candidateType,
    network_type: local.networkType,
  });
  assert.deepEqual(p.remote, {
    id: remote.id,
    address: remote.ip,
    port: remote.port,
    protocol: remote.protocol,
    candidate_type: remote.candidateType,
  });
  // lastPacketReceivedTimestamp of Chrome 77 inbound stats is a monotonic clock, not epoch; pairs carry none here.
  assert.equal(p.last_packet_received_timestamp, undefined);
  assert.equal(out.transport?.id, transport.id);
  assert.equal(out.transport?.dtls_state, transport.dtlsState);
  assert.equal(out.transport?.selected_candidate_pair_id, pair.id);
});

test('Firefox 67: old ids, RTT from remote-inbound-rtp for producers, none for consumers', () => {
  const raw = load('firefox-67.0.4.json');
  const stats = statsOf(raw);
  const out = normalizeStatsReport({ pc: 'ff', stats: raw });
  assert.equal(out.ts, maxTimestamp(stats));
  assert.equal(out.samples.length, 4);
  for (const kind of ['audio', 'video'] as const) {
    const outbound = find(stats, 'outbound-rtp', kind);
    const rib = byId(stats, outbound.remoteId);
    const producer = sampleOf(out.samples, 'producer', kind);
    assert.equal(producer.ssrc, outbound.ssrc);
    assert.equal(producer.packets, outbound.packetsSent);
    assert.equal(producer.bytes, outbound.bytesSent);
    assert.equal(producer.packets_lost, rib.packetsLost);
    assert.equal(producer.jitter_ms, (rib.jitter as number) * 1000);
    assert.equal(producer.rtt_ms, (rib.roundTripTime as number) * 1000);
    assert.equal(producer.rtt_source, 'remote-inbound-rtp');
    assert.equal(producer.codec, undefined, 'Firefox 67 exposes no codec stats');

    const inbound = find(stats, 'inbound-rtp', kind);
    const consumer = sampleOf(out.samples, 'consumer', kind);
    assert.equal(consumer.packets, inbound.packetsReceived);
    assert.equal(consumer.packets_lost, inbound.packetsLost);
    assert.equal(consumer.jitter_ms, (inbound.jitter as number) * 1000);
    // Its remote-outbound-rtp has no roundTripTime and its candidate pair no currentRoundTripTime.
    assert.equal(byId(stats, inbound.remoteId).roundTripTime, undefined);
    assert.equal(consumer.rtt_ms, undefined);
    assert.equal(consumer.rtt_source, undefined);
  }
  const video = sampleOf(out.samples, 'producer', 'video');
  // Firefox's outbound `droppedFrames` is not a W3C counter (it goes down in real dumps): not mapped.
  assert.equal(video.frames_dropped, undefined);
  assert.equal(video.frames_encoded, find(stats, 'outbound-rtp', 'video').framesEncoded);
  assert.equal(
    sampleOf(out.samples, 'consumer', 'video').frames_decoded,
    find(stats, 'inbound-rtp', 'video').framesDecoded,
  );

  // No transport stats: the pair flagged `selected: true` is the selected one.
  const pair = find(stats, 'candidate-pair');
  assert.equal(out.transport, undefined);
  assert.equal(out.candidate_pairs.length, 1);
  const p = out.candidate_pairs[0];
  assert.equal(p.selected, pair.selected);
  assert.equal(p.last_packet_received_timestamp, pair.lastPacketReceivedTimestamp);
  assert.equal(p.local?.address, byId(stats, pair.localCandidateId).address);
  assert.equal(p.local?.candidate_type, byId(stats, pair.localCandidateId).candidateType);
  assert.equal(p.remote?.candidate_type, byId(stats, pair.remoteCandidateId).candidateType);
  assert.equal(p.remote?.port, byId(stats, pair.remoteCandidateId).port);
});

test('Safari 12.1: no remote-inbound-rtp, so every RTT comes from the selected pair', () => {
  const raw = load('safari-12.1.1.json');
  const stats = statsOf(raw);
  const out = normalizeStatsReport({ pc: 'sf', stats: raw });
  assert.equal(stats.filter((s) => s.type === 'remote-inbound-rtp').length, 0);
  const pair = byId(stats, find(stats, 'transport').selectedCandidatePairId);
  const pairRttMs = (pair.currentRoundTripTime as number) * 1000;
  assert.equal(out.samples.length, 4);
  for (const sample of out.samples) {
    assert.equal(sample.rtt_ms, pairRttMs);
    assert.equal(sample.rtt_source, 'candidate-pair');
  }
  // Safari's inbound-rtp carries `mediaType` but no `kind`.
  const inAudio = find(stats, 'inbound-rtp', 'audio');
  assert.equal(inAudio.kind, undefined);
  const audio = sampleOf(out.samples, 'consumer', 'audio');
  assert.equal(audio.ssrc, inAudio.ssrc);
  assert.equal(audio.jitter_ms, (inAudio.jitter as number) * 1000);
  assert.equal(audio.audio_level, byId(stats, inAudio.trackId).audioLevel);
  assert.equal(audio.codec, byId(stats, inAudio.codecId).mimeType);
  const inVideo = find(stats, 'inbound-rtp', 'video');
  const video = sampleOf(out.samples, 'consumer', 'video');
  assert.equal(video.frames_received, byId(stats, inVideo.trackId).framesReceived);
  assert.equal(video.frame_height, byId(stats, inVideo.trackId).frameHeight);
  const outVideo = find(stats, 'outbound-rtp', 'video');
  const producer = sampleOf(out.samples, 'producer', 'video');
  assert.equal(producer.packets, outVideo.packetsSent);
  assert.equal(producer.packets_lost, undefined, 'no receiver report stats in Safari 12');
  assert.equal(producer.frames_sent, byId(stats, outVideo.trackId).framesSent);
  const p = out.candidate_pairs.find((c) => c.selected);
  assert.equal(p?.current_rtt_ms, pairRttMs);
  assert.equal(p?.local?.address, undefined, 'Safari 12 hides candidate addresses');
  assert.equal(p?.local?.port, byId(stats, pair.localCandidateId).port);
});

test('the same report in every container shape gives the same result', () => {
  const raw = load('chrome-77.0.3842.0.json');
  const stats = statsOf(raw);
  const expected = normalizeStatsReport({ pc: 'x', stats: raw });
  assert.deepEqual(normalizeStatsReport({ pc: 'x', stats }), expected);
  assert.deepEqual(normalizeStatsReport({ pc: 'x', stats: new Map(raw) }), expected);
  assert.deepEqual(normalizeStatsReport({ pc: 'x', stats: Object.fromEntries(raw) }), expected);
  assert.equal(normalizeStatsReport({ pc: 'x', ts: 42, stats }).samples[0].ts, 42);
  assert.equal(
    normalizeStatsReport({ pc: 'x', stats }, { candidatePairs: 'selected' }).candidate_pairs.length,
    1,
  );
});

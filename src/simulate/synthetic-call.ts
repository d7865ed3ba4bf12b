/**
 * Synthetic telemetry for one peer of a call: realistic cumulative getStats()
 * counters for an audio+video producer and, per remote peer, an audio+video
 * consumer, sampled every `intervalMs`, grouped into ingest batches. Pure and
 * seeded: the same options give the same batches. Used by `simulate`, the
 * benchmarks and the tests.
 */
import type { CandidatePairSample, StreamSample, TelemetryBatch } from '../model/telemetry.ts';
import type { CallProfile } from './call-profiles.ts';
import { seededRandom } from './seeded-random.ts';

/** Options of one synthetic peer. */
export interface SyntheticPeerOptions {
  profile: CallProfile;
  /** Epoch ms of the first sample. */
  startMs: number;
  minutes: number;
  /** Sampling interval (default 2000 ms, the collector's default). */
  intervalMs?: number;
  /** Call time covered by one batch (default 10 s). */
  batchSeconds?: number;
  seed?: number;
  /** One audio+video consumer per remote peer (default one unnamed remote). */
  remotePeerIds?: (string | undefined)[];
  /** Prefix of batch ids (they must be unique per peer). */
  batchIdPrefix?: string;
}

interface Counters {
  packets: number;
  bytes: number;
  lost: number;
  frames: number;
  keyFrames: number;
  dropped: number;
  jbDelay: number;
  jbEmitted: number;
  concealment: number;
  freezes: number;
  freezeS: number;
  nack: number;
  pli: number;
  qlBandwidth: number;
  qlCpu: number;
  qlNone: number;
  qlChanges: number;
}

const zero = (): Counters => ({
  packets: 0,
  bytes: 0,
  lost: 0,
  frames: 0,
  keyFrames: 0,
  dropped: 0,
  jbDelay: 0,
  jbEmitted: 0,
  concealment: 0,
  freezes: 0,
  freezeS: 0,
  nack: 0,
  pli: 0,
  qlBandwidth: 0,
  qlCpu: 0,
  qlNone: 0,
  qlChanges: 0,
});

/** Number of samples (per stream) a call of `minutes` produces at `intervalMs`. */
export function samplesPerStream(minutes: number, intervalMs = 2000): number {
  return Math.max(1, Math.floor((minutes * 60_000) / intervalMs));
}

function candidatePair(
  profile: CallProfile,
  pc: string,
  ts: number,
  rtt: number,
  c: { sent: number; recv: number },
): CandidatePairSample {
  const relay = profile.localCandidate === 'relay';
  return {
    ts,
    pc,
    id: `${pc}-pair`,
    state: 'succeeded',
    nominated: true,
    selected: true,
    local: {
      id: `${pc}-local`,
      address: relay
        ? '198.51.100.7'
        : profile.localCandidate === 'srflx'
          ? '203.0.113.24'
          : '192.168.1.20',
      port: 50000 + ((pc.length * 7) % 1000),
      protocol: 'udp',
      candidate_type: profile.localCandidate,
      network_type: profile.networkType,
      ...(relay ? { relay_protocol: 'udp', url: 'turn:turn.example.net:3478?transport=udp' } : {}),
      ...(profile.localCandidate !== 'host'
        ? { related_address: '192.168.1.20', related_port: 50123 }
        : {}),
    },
    remote: {
      id: `${pc}-remote`,
      address: '192.0.2.10',
      port: 443,
      protocol: 'udp',
      candidate_type: profile.remoteCandidate,
    },
    bytes_sent: c.sent,
    bytes_received: c.recv,
    current_rtt_ms: Math.round(rtt),
    available_outgoing_bitrate: profile.videoBitrate * 1.2,
  };
}

/** Generates the batches of one synthetic peer, in send order. */
export function* syntheticBatches(opts: SyntheticPeerOptions): Generator<TelemetryBatch> {
  const p = opts.profile;
  const interval = opts.intervalMs ?? 2000;
  const dt = interval / 1000;
  const perBatch = Math.max(1, Math.round(((opts.batchSeconds ?? 10) * 1000) / interval));
  const total = samplesPerStream(opts.minutes, interval);
  const rnd = seededRandom(opts.seed ?? 1);
  const remotes = opts.remotePeerIds ?? [undefined];
  const prefix = opts.batchIdPrefix ?? `sim-${opts.seed ?? 1}`;

  const aOut = zero();
  const vOut = zero();
  const aIn = remotes.map(zero);
  const vIn = remotes.map(zero);
  let episodeLeft = 0;
  let limited = false;
  let pairBytes = { sent: 0, recv: 0 };

  let batch: TelemetryBatch = newBatch(0);
  function newBatch(n: number): TelemetryBatch {
    return { batch_id: `${prefix}-${n}`, samples: [], candidate_pairs: [], events: [] };
  }
  let batchNo = 0;

  for (let i = 0; i < total; i++) {
    const ts = opts.startMs + (i + 1) * interval;
    if (episodeLeft === 0 && rnd() < p.episodeChance) episodeLeft = p.episodeLength;
    const inEpisode = episodeLeft > 0;
    if (episodeLeft > 0) episodeLeft--;
    const loss = Math.min(0.95, Math.max(0, (inEpisode ? p.episodeLoss : p.loss) * (0.5 + rnd())));
    const rtt = Math.max(
      1,
      p.rttMs + (rnd() - 0.5) * 2 * p.rttSpreadMs + (inEpisode ? p.episodeExtraRttMs : 0),
    );
    const jitter = Math.max(0.5, p.jitterMs * (0.6 + rnd() * 0.8) * (inEpisode ? 2.5 : 1));
    const jbMs = Math.max(20, 40 + jitter * 2 + (inEpisode ? 60 : 0));
    const fps = inEpisode ? Math.max(5, p.videoFps * (1 - loss * 2)) : p.videoFps - rnd() * 1.5;
    const scale = inEpisode && p.limitation === 'bandwidth' ? 0.5 : 1;
    const width = Math.round(p.videoWidth * scale);
    const height = Math.round(p.videoHeight * scale);
    const vBitrate = p.videoBitrate * (inEpisode ? 0.45 : 1) * (0.9 + rnd() * 0.2);

    // Audio producer: Opus 20 ms frames, ~32 kbit/s.
    const aPk = Math.round(50 * dt);
    aOut.packets += aPk;
    aOut.bytes += aPk * (72 + Math.round(rnd() * 16));
    aOut.lost += Math.round(aPk * loss);
    // Video producer.
    const vPk = Math.max(1, Math.round((vBitrate / 8 / 1100) * dt));
    vOut.packets += vPk;
    vOut.bytes += Math.round((vBitrate / 8) * dt);
    vOut.lost += Math.round(vPk * loss);
    vOut.frames += Math.round(fps * dt);
    if (i % 60 === 0 || (inEpisode && rnd() < 0.3)) vOut.keyFrames += 1;
    vOut.nack += Math.round(vPk * loss * 0.8);
    if (inEpisode && rnd() < 0.5) vOut.pli += 1;
    const nowLimited = inEpisode && p.limitation !== 'none';
    if (nowLimited !== limited) vOut.qlChanges += 1;
    limited = nowLimited;
    if (nowLimited && p.limitation === 'bandwidth') vOut.qlBandwidth += dt;
    else if (nowLimited && p.limitation === 'cpu') vOut.qlCpu += dt;
    else vOut.qlNone += dt;
    pairBytes = {
      sent: pairBytes.sent + Math.round((vBitrate / 8 + 4000) * dt),
      recv: pairBytes.recv + Math.round((vBitrate / 8 + 4000) * dt * remotes.length),
    };

    const samples = batch.samples!;
    samples.push({
      ts,
      pc: 'pc-send',
      direction: 'producer',
      media: 'audio',
      ssrc: 1111,
      mid: '0',
      codec: 'audio/opus',
      clock_rate: 48000,
      fec: true,
      producer_id: 'mic',
      packets: aOut.packets,
      bytes: aOut.bytes,
      packets_lost: aOut.lost,
      fraction_lost: Math.round(loss * 256) / 256,
      jitter_ms: Math.round(jitter * 10) / 10,
      rtt_ms: Math.round(rtt),
      rtt_source: 'remote-inbound-rtp',
      nack_count: 0,
    } satisfies StreamSample);
    samples.push({
      ts,
      pc: 'pc-send',
      direction: 'producer',
      media: 'video',
      ssrc: 2222,
      mid: '1',
      codec: 'video/VP8',
      clock_rate: 90000,
      producer_id: 'camera',
      packets: vOut.packets,
      bytes: vOut.bytes,
      packets_lost: vOut.lost,
      fraction_lost: Math.round(loss * 256) / 256,
      jitter_ms: Math.round(jitter * 10) / 10,
      rtt_ms: Math.round(rtt),
      rtt_source: 'remote-inbound-rtp',
      frame_width: width,
      frame_height: height,
      frames_per_second: Math.round(fps),
      frames_encoded: vOut.frames,
      frames_sent: vOut.frames,
      key_frames_encoded: vOut.keyFrames,
      nack_count: vOut.nack,
      pli_count: vOut.pli,
      fir_count: 0,
      target_bitrate: Math.round(vBitrate),
      quality_limitation_reason: nowLimited ? p.limitation : 'none',
      quality_limitation_durations: {
        bandwidth: vOut.qlBandwidth,
        cpu: vOut.qlCpu,
        none: vOut.qlNone,
        other: 0,
      },
      quality_limitation_resolution_changes: vOut.qlChanges,
    } satisfies StreamSample);

    remotes.forEach((remote, r) => {
      const a = aIn[r];
      const lostA = Math.round(aPk * loss);
      a.packets += aPk - lostA;
      a.lost += lostA;
      a.bytes += (aPk - lostA) * 80;
      a.jbEmitted += Math.round(48000 * dt);
      a.jbDelay += (Math.round(48000 * dt) * jbMs) / 1000;
      a.concealment += lostA > 0 ? Math.ceil(lostA / 2) : 0;
      const v = vIn[r];
      const lostV = Math.round(vPk * loss);
      v.packets += vPk - lostV;
      v.lost += lostV;
      v.bytes += Math.round((vBitrate / 8) * dt * (1 - loss));
      const decoded = Math.round(fps * dt);
      v.frames += decoded;
      v.dropped += inEpisode ? Math.round(decoded * loss) : 0;
      v.jbEmitted += decoded;
      v.jbDelay += (decoded * jbMs) / 1000;
      if (i % 60 === 0 || (inEpisode && rnd() < 0.3)) v.keyFrames += 1;
      if (inEpisode && loss > 0.2) {
        v.freezes += 1;
        v.freezeS += Math.min(dt, loss * dt);
      }
      const base = 10 * (r + 1);
      samples.push({
        ts,
        pc: 'pc-recv',
        direction: 'consumer',
        media: 'audio',
        ssrc: 3000 + base,
        mid: String(base),
        codec: 'audio/opus',
        clock_rate: 48000,
        fec: true,
        remote_peer_id: remote,
        consumer_id: `consumer-audio-${r}`,
        packets: a.packets,
        bytes: a.bytes,
        packets_lost: a.lost,
        jitter_ms: Math.round(jitter * 10) / 10,
        rtt_ms: Math.round(rtt),
        rtt_source: 'candidate-pair',
        jitter_buffer_delay_s: a.jbDelay,
        jitter_buffer_emitted_count: a.jbEmitted,
        concealment_events: a.concealment,
        total_samples_received: a.jbEmitted,
      } satisfies StreamSample);
      samples.push({
        ts,
        pc: 'pc-recv',
        direction: 'consumer',
        media: 'video',
        ssrc: 4000 + base,
        mid: String(base + 1),
        codec: 'video/VP8',
        clock_rate: 90000,
        remote_peer_id: remote,
        consumer_id: `consumer-video-${r}`,
        packets: v.packets,
        bytes: v.bytes,
        packets_lost: v.lost,
        jitter_ms: Math.round(jitter * 10) / 10,
        rtt_ms: Math.round(rtt),
        rtt_source: 'candidate-pair',
        jitter_buffer_delay_s: v.jbDelay,
        jitter_buffer_emitted_count: v.jbEmitted,
        frame_width: width,
        frame_height: height,
        frames_per_second: Math.round(fps),
        frames_decoded: v.frames,
        frames_received: v.frames + v.dropped,
        frames_dropped: v.dropped,
        key_frames_decoded: v.keyFrames,
        freeze_count: v.freezes,
        total_freezes_duration_s: v.freezeS,
        nack_count: Math.round(v.lost * 0.8),
        pli_count: vOut.pli,
        fir_count: 0,
      } satisfies StreamSample);
    });

    const endOfBatch = (i + 1) % perBatch === 0 || i === total - 1;
    if (endOfBatch) {
      batch.candidate_pairs!.push(
        candidatePair(p, 'pc-send', ts, rtt, pairBytes),
        candidatePair(p, 'pc-recv', ts, rtt, { sent: 0, recv: pairBytes.recv }),
      );
      if (batchNo === 0) {
        batch.events!.push(
          {
            ts: opts.startMs,
            name: 'ice_connection_state_change',
            pc: 'pc-send',
            metadata: { state: 'connected' },
          },
          {
            ts: opts.startMs,
            name: 'ice_connection_state_change',
            pc: 'pc-recv',
            metadata: { state: 'connected' },
          },
        );
        batch.pc_metadata = ['pc-send', 'pc-recv'].map((pc) => ({
          ts: opts.startMs,
          pc,
          role: 'sfu',
          effective_network_type: p.networkType === 'cellular' ? '3g' : '4g',
          reflexive_connectivity: p.localCandidate !== 'host' || p.name === 'clean',
          relay_connectivity: true,
          turn_connectivity: true,
        }));
        batch.device_updates = [
          {
            ts: opts.startMs,
            kind: 'audioinput',
            added: [{ device_id: 'default', kind: 'audioinput', label: 'Default microphone' }],
            removed: [],
          },
          {
            ts: opts.startMs,
            kind: 'videoinput',
            added: [{ device_id: 'cam-1', kind: 'videoinput', label: 'Integrated camera' }],
            removed: [],
          },
        ];
        batch.selected_devices = [
          {
            ts: opts.startMs,
            device: { device_id: 'cam-1', kind: 'videoinput', label: 'Integrated camera' },
          },
        ];
      }
      yield batch;
      batchNo++;
      batch = newBatch(batchNo);
    }
  }
}

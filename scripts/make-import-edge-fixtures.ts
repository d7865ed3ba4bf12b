/**
 * Writes the hand-built import fixtures of test/fixtures/import-edge/ (see its
 * README): small dumps of the shapes that broke imports in issue 12, written
 * from the descriptions of the real dumps (rtcstats lines of other shapes,
 * Firefox 97 counters that appear late, a jitsi SSRC switching camera ->
 * screen -> camera, Safari relay candidates without `relayProtocol`, Chrome 86
 * webrtc-internals with locale-formatted event times and camel-case names).
 * Deterministic: running it again rewrites the same bytes.
 *
 *   node --import tsx scripts/make-import-edge-fixtures.ts [outDir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const outDir = process.argv[2] ?? 'test/fixtures/import-edge';
mkdirSync(outDir, { recursive: true });

type Stat = Record<string, unknown>;
const CHROME_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX_97_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:97.0) Gecko/20100101 Firefox/97.0';
const SAFARI_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15';
const CHROME_86_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.183 Safari/537.36';

/** Counters of a steady stream at report `k` (1 s apart). */
function rtp(
  type: 'outbound-rtp' | 'inbound-rtp',
  kind: 'audio' | 'video',
  ssrc: number,
  k: number,
  pps: number,
  ts: number,
): Stat {
  const packets = pps * k;
  const stat: Stat = {
    timestamp: ts,
    type,
    kind,
    ssrc,
    mid: kind === 'audio' ? '0' : '1',
    codecId: kind === 'audio' ? 'CO111' : 'CV96',
    transportId: 'T01',
  };
  if (type === 'outbound-rtp')
    Object.assign(stat, {
      packetsSent: packets,
      bytesSent: packets * (kind === 'audio' ? 100 : 1000),
      headerBytesSent: packets * 12,
    });
  else
    Object.assign(stat, {
      packetsReceived: packets,
      bytesReceived: packets * (kind === 'audio' ? 100 : 1000),
      packetsLost: Math.floor(k / 5),
      jitter: 0.004,
    });
  if (kind === 'video') {
    if (type === 'outbound-rtp')
      Object.assign(stat, {
        framesEncoded: 30 * k,
        keyFramesEncoded: 1 + Math.floor(k / 10),
        frameWidth: 1280,
        frameHeight: 720,
        framesPerSecond: 30,
      });
    else
      Object.assign(stat, {
        framesDecoded: 30 * k,
        keyFramesDecoded: 1 + Math.floor(k / 10),
        frameWidth: 1280,
        frameHeight: 720,
        framesPerSecond: 30,
      });
  }
  return stat;
}

/** A full getStats() report of one PC with one send and one receive stream per kind. */
function report(
  k: number,
  ts: number,
  opts: { relay?: { url: string; relayProtocol?: string } } = {},
): Record<string, Stat> {
  const local: Stat = {
    timestamp: ts,
    type: 'local-candidate',
    candidateType: opts.relay ? 'relay' : 'host',
    protocol: 'udp',
    address: '192.0.2.10',
    port: 50000,
    networkType: 'wifi',
  };
  if (opts.relay) {
    local.url = opts.relay.url;
    if (opts.relay.relayProtocol !== undefined) local.relayProtocol = opts.relay.relayProtocol;
  }
  return {
    T01: {
      timestamp: ts,
      type: 'transport',
      selectedCandidatePairId: 'CPa_b',
      dtlsState: 'connected',
    },
    CPa_b: {
      timestamp: ts,
      type: 'candidate-pair',
      transportId: 'T01',
      localCandidateId: 'Ia',
      remoteCandidateId: 'Ib',
      state: 'succeeded',
      nominated: true,
      selected: true,
      currentRoundTripTime: 0.05,
      totalRoundTripTime: 0.05 * k,
      responsesReceived: k,
      bytesSent: 20000 * k,
      bytesReceived: 20000 * k,
    },
    Ia: local,
    Ib: {
      timestamp: ts,
      type: 'remote-candidate',
      candidateType: 'host',
      protocol: 'udp',
      address: '198.51.100.20',
      port: 3478,
    },
    CO111: {
      timestamp: ts,
      type: 'codec',
      mimeType: 'audio/opus',
      payloadType: 111,
      clockRate: 48000,
    },
    CV96: {
      timestamp: ts,
      type: 'codec',
      mimeType: 'video/VP8',
      payloadType: 96,
      clockRate: 90000,
    },
    OA1111: rtp('outbound-rtp', 'audio', 1111, k, 50, ts),
    OV2222: rtp('outbound-rtp', 'video', 2222, k, 100, ts),
    IA3333: rtp('inbound-rtp', 'audio', 3333, k, 50, ts),
    IV4444: rtp('inbound-rtp', 'video', 4444, k, 100, ts),
  };
}

const line = (...entry: unknown[]): string => JSON.stringify(entry);
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

/** Call setup lines of an rtcstats dump (PC_0). */
function setup(ua: string, t0: number): string[] {
  return [
    line(
      'connectionInfo',
      null,
      JSON.stringify({ userAgent: ua, clientProtocol: '3.1_STANDARD' }),
      t0 - 500,
    ),
    line(
      'create',
      'PC_0',
      { iceServers: [{ urls: ['turns:turn.example.org:443?transport=tcp'] }] },
      t0 - 400,
    ),
    line('oniceconnectionstatechange', 'PC_0', 'checking', t0 - 300),
    line('oniceconnectionstatechange', 'PC_0', 'connected', t0 - 200),
    line('onconnectionstatechange', 'PC_0', 'connected', t0 - 150),
  ];
}

// 1. rtcstats lines of other shapes and methods among ordinary ones.
{
  const lines = [line('e2eRtt', null, { remoteEndpointId: 'abcd1234', rtt: 42 })]; // no timestamp, first line of the file
  lines.push(...setup(CHROME_UA, T0));
  lines.push(JSON.stringify({ note: 'a line that is not an array' }));
  lines.push(line('getstats', 'PC_0'));
  for (let k = 1; k <= 10; k++) {
    const ts = T0 + k * 1000;
    lines.push(line('getstats', 'PC_0', { ...report(k, ts), timestamp: ts }, ts));
    if (k === 3)
      lines.push(line('dominantSpeaker', null, { dominantSpeakerEndpoint: 'abcd1234' }, ts + 10));
    if (k === 4) lines.push(line('e2eRtt', null, { remoteEndpointId: 'abcd1234', rtt: 40 }));
    if (k === 5) lines.push(line('getstats', 'PC_0', 'not an object', ts + 20));
    if (k === 6) lines.push(line(7, 'PC_0', {}, ts + 30));
    if (k === 7) lines.push(line('oniceconnectionstatechange', 'PC_0', 'disconnected', 'later'));
  }
  lines.push(line('close', 'PC_0', null, T0 + 10500));
  writeFileSync(join(outDir, 'rtcstats-odd-lines.jsonl'), `${lines.join('\n')}\n`);
}

// 4. Firefox 97: counters absent from a stream's first report; a stream first seen mid-recording.
{
  const lines = setup(FIREFOX_97_UA, T0);
  for (let k = 1; k <= 20; k++) {
    const ts = T0 + k * 1000;
    const r = report(k + 30, ts); // counters already running when the recording starts (k + 30)
    const oa = r.OA1111!;
    const ia = r.IA3333!;
    // The streams' counters start at 0 when the streams start (report 1 is the stream's start)...
    oa.packetsSent = 50 * (k - 1) + 1608 - 50;
    oa.bytesSent = (oa.packetsSent as number) * 100;
    ia.packetsReceived = 50 * (k - 1) + 1210 - 50;
    ia.bytesReceived = (ia.packetsReceived as number) * 100;
    if (k === 1) {
      // ...but the first report lacks them (Firefox 97).
      delete oa.packetsSent;
      delete oa.bytesSent;
      delete oa.headerBytesSent;
      delete ia.packetsReceived;
      delete ia.bytesReceived;
      delete ia.packetsLost;
    }
    if (k < 8) {
      // The video streams are first seen mid-recording (report 8), counters already running.
      delete r.OV2222;
      delete r.IV4444;
    }
    lines.push(line('getstats', 'PC_0', { ...r, timestamp: ts }, ts));
  }
  writeFileSync(join(outDir, 'rtcstats-firefox97-late-counters.jsonl'), `${lines.join('\n')}\n`);
}

// 6. jitsi: one video SSRC switching camera -> screen -> camera (setVideoType records).
{
  const lines = setup(CHROME_UA, T0);
  lines.push(line('setVideoType', null, { ssrc: 2222, videoType: 'camera' }, T0 - 100));
  for (let k = 1; k <= 30; k++) {
    const ts = T0 + k * 1000;
    if (k === 11)
      lines.push(line('setVideoType', null, { ssrc: 2222, videoType: 'desktop' }, ts - 500));
    if (k === 21)
      lines.push(line('setVideoType', null, { ssrc: 2222, videoType: 'camera' }, ts - 500));
    lines.push(line('getstats', 'PC_0', { ...report(k, ts), timestamp: ts }, ts));
  }
  writeFileSync(join(outDir, 'rtcstats-jitsi-camera-screen-camera.jsonl'), `${lines.join('\n')}\n`);
}

// 10b. Safari: relay candidates without relayProtocol, only the TURN url.
for (const [name, url] of [
  ['tls', 'turns:turn.example.org:443?transport=tcp'],
  ['tcp', 'turn:turn.example.org:443?transport=tcp'],
  ['udp', 'turn:turn.example.org:3478'],
] as const) {
  const lines = setup(SAFARI_UA, T0);
  for (let k = 1; k <= 5; k++) {
    const ts = T0 + k * 1000;
    lines.push(
      line('getstats', 'PC_0', { ...report(k, ts, { relay: { url } }), timestamp: ts }, ts),
    );
  }
  writeFileSync(join(outDir, `rtcstats-safari-relay-${name}.jsonl`), `${lines.join('\n')}\n`);
}

// 2, 3. Chrome 86 webrtc-internals: updateLog times locale-formatted without a zone, camel-case names.
/** Chrome 86 series: no statsType, no -timestamp series; points spread between startTime and endTime (ISO, UTC). */
function series86(reports: Record<string, Stat>[], times: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ids = Object.keys(reports[0]!);
  for (const id of ids) {
    const fields = new Set(reports.flatMap((r) => Object.keys(r[id] ?? {})));
    for (const field of fields) {
      if (field === 'timestamp') continue;
      const chromeId = id;
      out[`${chromeId}-${field}`] = {
        startTime: new Date(times[0]!).toISOString(),
        endTime: new Date(times[times.length - 1]!).toISOString(),
        values: JSON.stringify(reports.map((r) => r[id]?.[field] ?? null)),
      };
    }
  }
  return out;
}

/** A Chrome 86 dump of one PC: stats every second from `start` for `seconds`, events in the given local-time format. */
function chrome86Dump(
  start: number,
  seconds: number,
  localTime: (epoch: number) => string,
  events: [number, string, string][],
): unknown {
  const times = Array.from({ length: seconds }, (_, i) => start + (i + 1) * 1000);
  const reports = times.map((ts, i) => {
    const r = report(i + 1, ts);
    // Chrome 86 ids carry the type in their prefix; `type` series say the rest.
    const renamed: Record<string, Stat> = {};
    const prefix: Record<string, string> = {
      T01: 'RTCTransport_0_1',
      CPa_b: 'RTCIceCandidatePair_a_b',
      Ia: 'RTCIceCandidate_a',
      Ib: 'RTCIceCandidate_b',
      CO111: 'RTCCodec_0_Outbound_111',
      CV96: 'RTCCodec_0_Outbound_96',
      OA1111: 'RTCOutboundRTPAudioStream_1111',
      OV2222: 'RTCOutboundRTPVideoStream_2222',
      IA3333: 'RTCInboundRTPAudioStream_3333',
      IV4444: 'RTCInboundRTPVideoStream_4444',
    };
    for (const [id, stat] of Object.entries(r)) {
      const copy = { ...stat };
      if (id === 'T01') copy.selectedCandidatePairId = 'RTCIceCandidatePair_a_b';
      if (id === 'CPa_b')
        Object.assign(copy, {
          transportId: 'RTCTransport_0_1',
          localCandidateId: 'RTCIceCandidate_a',
          remoteCandidateId: 'RTCIceCandidate_b',
        });
      if (typeof copy.codecId === 'string')
        copy.codecId =
          copy.codecId === 'CO111' ? 'RTCCodec_0_Outbound_111' : 'RTCCodec_0_Outbound_96';
      if (typeof copy.transportId === 'string') copy.transportId = 'RTCTransport_0_1';
      if (id === 'Ib') copy.isRemote = true;
      if (id === 'Ia') copy.isRemote = false;
      renamed[prefix[id]!] = copy;
    }
    return renamed;
  });
  const updateLog = events.map(([at, type, value]) => ({ time: localTime(at), type, value }));
  return {
    getUserMedia: [],
    PeerConnections: {
      '14147-1': {
        pid: 14147,
        rtcConfiguration:
          '{ iceServers: [turn:turn.example.org:443?transport=udp], iceTransportPolicy: all, bundlePolicy: balanced, rtcpMuxPolicy: require, iceCandidatePoolSize: 0, sdpSemantics: "unified-plan" }',
        constraints: '',
        url: 'https://meet.example.org/room',
        updateLog,
        stats: series86(reports, times),
      },
    },
    UserAgent: CHROME_86_UA,
  };
}

/** `en-US` local time at UTC+3, as Chrome 86 wrote it: `11/5/2020, 9:34:51 PM`. */
function enUsPlus3(epoch: number): string {
  const d = new Date(epoch + 3 * 3600_000);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** `en-GB` local time at UTC+0 (a zone-less day-first clock): `08/11/2020, 10:58:45`. */
function enGbUtc(epoch: number): string {
  const d = new Date(epoch);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

{
  // A 4-minute call recorded at UTC+3 on 5 November 2020 (en-US), with an ICE reconnect and a failure at the end.
  const start = Date.UTC(2020, 10, 5, 18, 34, 50);
  const events: [number, string, string][] = [
    [start - 900, 'setConfiguration', ''],
    [
      start - 800,
      'createOffer',
      'options: {offerToReceiveVideo: -1, offerToReceiveAudio: -1, voiceActivityDetection: true, iceRestart: false}',
    ],
    [start - 700, 'signalingStateChange', 'have-local-offer'],
    [start - 650, 'iceGatheringStateChange', 'gathering'],
    [
      start - 600,
      'onIceCandidate',
      'sdpMid: 0, sdpMLineIndex: 0, candidate: candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host generation 0',
    ],
    [start - 500, 'signalingStateChange', 'stable'],
    [start - 400, 'iceConnectionStateChange', 'checking'],
    [start - 300, 'iceConnectionStateChange', 'connected'],
    [start - 250, 'connectionStateChange', 'connected'],
    [start - 200, 'iceGatheringStateChange', 'complete'],
    [start + 100_000, 'iceConnectionStateChange', 'disconnected'],
    [start + 101_000, 'connectionStateChange', 'disconnected'],
    [start + 104_000, 'iceConnectionStateChange', 'connected'],
    [start + 104_100, 'connectionStateChange', 'connected'],
    [start + 239_000, 'iceConnectionStateChange', 'failed'],
    [start + 239_100, 'connectionStateChange', 'failed'],
  ];
  const doc = chrome86Dump(start, 240, enUsPlus3, events);
  writeFileSync(
    join(outDir, 'webrtc-internals-chrome86-en-us-utc+3.json.gz'),
    gzipSync(JSON.stringify(doc), { mtime: 0 } as never),
  );
}
{
  // A 15 s recording on 8 November 2020, day-first times (en-GB) without a zone.
  const start = Date.UTC(2020, 10, 8, 10, 58, 40);
  const events: [number, string, string][] = [
    [start - 2000, 'createOffer', ''],
    [start - 1900, 'signalingStateChange', 'have-local-offer'],
    [start - 1500, 'signalingStateChange', 'stable'],
    [start - 1200, 'iceConnectionStateChange', 'checking'],
    [start - 1000, 'iceConnectionStateChange', 'connected'],
    [start + 5000, 'iceConnectionStateChange', 'disconnected'],
    [start + 7000, 'iceConnectionStateChange', 'connected'],
    [start + 15_500, 'stop', ''],
  ];
  const doc = chrome86Dump(start, 15, enGbUtc, events);
  writeFileSync(
    join(outDir, 'webrtc-internals-chrome86-en-gb-day-first.json.gz'),
    gzipSync(JSON.stringify(doc), { mtime: 0 } as never),
  );
}
console.log(`fixtures written to ${outDir}`);

// Test page of the browser tests: one peer of a call, driven by playwright
// through `window.harness`. It loads the collector from the URL in the
// `collector` query parameter (`format=iife` for the classic-script build),
// exactly as an app would, and does what a video app does: getUserMedia, one
// RTCPeerConnection, collector.observe(pc). Signalling is relayed by the test.
const query = new URLSearchParams(location.search);
let lib;
let pc;
let stream;
let collector;
const acks = [];
const errors = [];

async function loadCollector() {
  const url = query.get('collector');
  if (query.get('format') === 'iife') {
    await new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`could not load ${url}`));
      document.head.append(s);
    });
    return window.PeerReportCollector;
  }
  return import(url);
}

function gatheringComplete(timeoutMs = 20000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** What a batch carried, reduced to what the tests compare. */
function ackRecord(ack, batch) {
  return {
    ...ack,
    samples: (batch.samples ?? []).map((s) => ({
      key: `${s.pc}|${s.direction}|${s.media}|${s.ssrc}`,
      ts: s.ts,
      packets: s.packets,
    })),
    events: (batch.events ?? []).map((e) => e.name),
  };
}

window.harness = {
  /** Loads the collector bundle only (the IIFE build then defines the global `PeerReportCollector`). */
  async load() {
    lib ??= await loadCollector();
    return typeof lib.PeerReportCollector;
  },
  async setup(o) {
    lib ??= await loadCollector();
    let precall;
    if (o.precall)
      precall = await lib.runPrecallTest({
        iceServers: o.iceServers,
        server: o.server,
        ...o.precall,
      });
    stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 320, height: 240, frameRate: 15 },
    });
    pc = new RTCPeerConnection({
      iceServers: o.iceServers ?? [],
      iceTransportPolicy: o.iceTransportPolicy ?? 'all',
    });
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    if (o.screenshare) {
      // A third m-line (mid 2): the fake screen of --use-fake-ui-for-media-stream.
      const screen = await navigator.mediaDevices.getDisplayMedia({
        video: { width: 640, height: 360, frameRate: 5 },
      });
      for (const track of screen.getTracks()) pc.addTrack(track, screen);
    }
    pc.ontrack = (e) => {
      // The app knows from its signalling which remote track is a screenshare; here it is mid 2.
      if (o.remoteScreenshareMid !== undefined && e.transceiver.mid === o.remoteScreenshareMid)
        collector?.describeTrack(e.track, { screenshare: true });
      else document.getElementById('remote').srcObject = e.streams[0];
    };
    // Without a collector: the baseline of the benchmark.
    if (o.noCollector) return { joined: null, bundle: typeof lib.PeerReportCollector };
    collector = new lib.PeerReportCollector({
      server: o.server,
      token: o.token,
      sampleIntervalMs: o.sampleIntervalMs,
      batchIntervalMs: o.batchIntervalMs,
      retryBaseMs: o.retryBaseMs,
      retryMaxMs: o.retryMaxMs,
      requestTimeoutMs: o.requestTimeoutMs,
      precall,
      onBatch: (ack, batch) => {
        const rec = ackRecord(ack, batch);
        acks.push(rec);
        window.reportAck?.(rec);
      },
      onError: (e) => {
        errors.push(e);
        window.reportError?.(e);
      },
    });
    const joined = await collector.start();
    collector.observe(pc, { id: o.pcId ?? 'call', role: 'p2p' });
    return { joined, precall, bundle: typeof lib.PeerReportCollector };
  },
  async offer() {
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete();
    return pc.localDescription.sdp;
  },
  async answer(sdp) {
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gatheringComplete();
    return pc.localDescription.sdp;
  },
  async accept(sdp) {
    await pc.setRemoteDescription({ type: 'answer', sdp });
  },
  /**
   * Replaces the connection by a new RTCPeerConnection (what an app does after a failed ICE restart, or when the
   * other side reloaded): the old one is closed, the new one carries the same tracks and is observed under `pcId`.
   */
  async newConnection(o) {
    pc.close();
    pc = new RTCPeerConnection({
      iceServers: o.iceServers ?? [],
      iceTransportPolicy: o.iceTransportPolicy ?? 'all',
    });
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.ontrack = (e) => {
      document.getElementById('remote').srcObject = e.streams[0];
    };
    collector.observe(pc, { id: o.pcId, role: 'p2p' });
  },
  connectionState() {
    return pc.connectionState;
  },
  /** Stops sending media (the senders stay), so both ends' counters settle before the last sample. */
  async stopSending() {
    for (const sender of pc.getSenders()) await sender.replaceTrack(null);
  },
  sample: () => collector.sample(),
  flush: () => collector.flush(),
  leave: (reason) => collector.leave(reason),
  stats: () => collector.stats(),
  peerId: () => collector.peerId,
  acks: () => acks,
  errors: () => errors,
  /** Raw getStats() totals, to cross-check the report against the browser itself. */
  async rawTotals() {
    const out = {};
    (await pc.getStats()).forEach((s) => {
      const name = s.mid === '2' ? 'screenshare_video' : s.kind;
      if (s.type === 'outbound-rtp') out[`out-${name}`] = s.packetsSent;
      if (s.type === 'inbound-rtp') out[`in-${name}`] = s.packetsReceived;
    });
    return out;
  },
};
window.harnessReady = true;

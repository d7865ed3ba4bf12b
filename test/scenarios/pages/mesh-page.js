// Test page of the labelled scenario suite: one peer of a P2P call with any number of remote peers (a full mesh),
// one RTCPeerConnection per remote, each given to the collector with its remote peer (`observe(pc, { remotePeerId })`),
// exactly as a mesh app would. Driven by playwright through `window.harness`; signalling is relayed by the test.
const query = new URLSearchParams(location.search);
let lib;
let stream;
let collector;
const pcs = new Map();
const errors = [];

// How late this page's timers ran: on a starved machine the whole renderer stalls, and so do its media threads
// (freezes, RTT spikes on clean paths). The test reads it to tell a starved run from a network scenario.
const starvation = { maxLateMs: 0, lateOver500: 0, since: performance.now() };
let expected = performance.now() + 100;
setInterval(() => {
  const late = performance.now() - expected;
  if (late > starvation.maxLateMs) starvation.maxLateMs = late;
  if (late > 500) starvation.lateOver500++;
  expected = performance.now() + 100;
}, 100);

function gatheringComplete(pc, timeoutMs = 20000) {
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

function connectionTo(remote) {
  const pc = pcs.get(remote);
  if (!pc) throw new Error(`no connection to ${remote}`);
  return pc;
}

window.harness = {
  /** Opens camera and microphone and starts the collector. */
  async setup(o) {
    lib ??= await import(query.get('collector'));
    stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: o.width ?? 320, height: o.height ?? 240, frameRate: o.frameRate ?? 15 },
    });
    collector = new lib.PeerReportCollector({
      server: o.server,
      token: o.token,
      sampleIntervalMs: o.sampleIntervalMs,
      batchIntervalMs: o.batchIntervalMs,
      onError: (e) => errors.push(e),
    });
    const joined = await collector.start();
    return { joined };
  },
  /** A new connection to `remote` carrying the local tracks, observed as P2P with its remote peer. */
  connect(o) {
    const pc = new RTCPeerConnection({
      iceServers: o.iceServers ?? [],
      iceTransportPolicy: o.iceTransportPolicy ?? 'all',
    });
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.ontrack = (e) => {
      let video = document.getElementById(`remote-${o.remote}`);
      if (!video) {
        video = document.createElement('video');
        video.id = `remote-${o.remote}`;
        video.autoplay = true;
        video.muted = true;
        video.playsInline = true;
        document.getElementById('remotes').append(video);
      }
      video.srcObject = e.streams[0];
    };
    pcs.set(o.remote, pc);
    collector.observe(pc, { id: `to-${o.remote}`, role: 'p2p', remotePeerId: o.remotePeerId });
  },
  async offer(remote) {
    const pc = connectionTo(remote);
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc);
    return pc.localDescription.sdp;
  },
  async answer({ remote, sdp }) {
    const pc = connectionTo(remote);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gatheringComplete(pc);
    return pc.localDescription.sdp;
  },
  async accept({ remote, sdp }) {
    await connectionTo(remote).setRemoteDescription({ type: 'answer', sdp });
  },
  /** Connection state per remote. */
  states() {
    return Object.fromEntries([...pcs].map(([remote, pc]) => [remote, pc.connectionState]));
  },
  /** Stops the local tracks of a kind (what an unplugged device or a revoked permission does). */
  stopTrack(kind) {
    const tracks = stream.getTracks().filter((t) => t.kind === kind);
    for (const t of tracks) t.stop();
    return tracks.length;
  },
  /** Stops sending media on every connection (the senders stay), so counters settle before the last sample. */
  async stopSending() {
    for (const pc of pcs.values())
      for (const sender of pc.getSenders()) await sender.replaceTrack(null);
  },
  /** Timer lateness since the last reset (`reset: true` starts a new measure). */
  starvation(reset) {
    const out = { ...starvation, ms: performance.now() - starvation.since };
    if (reset)
      Object.assign(starvation, { maxLateMs: 0, lateOver500: 0, since: performance.now() });
    return out;
  },
  leave: (reason) => collector.leave(reason),
  peerId: () => collector.peerId,
  errors: () => errors,
};
window.harnessReady = true;

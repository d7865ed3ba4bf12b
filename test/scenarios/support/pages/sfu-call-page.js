// Test page of the SFU scenarios: one peer of a call through the test's forwarding SFU
// (test/scenarios/support/sfu-forwarder.ts), driven by playwright through `window.harness`. It does what an
// SFU app does: getUserMedia, one RTCPeerConnection to the SFU, answer the SFU's offer, publish on the m-lines
// the signalling says are for publishing, and tell the collector what each track is (producer and consumer
// ids, and the remote peer behind each received track), as the app learns them from its signalling.
const query = new URLSearchParams(location.search);
let lib;
let pc;
let stream;
let collector;
const errors = [];

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

window.harness = {
  async setup(o) {
    lib ??= await import(query.get('collector'));
    // Small video: three encoders and six decoders share a 2-core machine with the server and the SFU.
    stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: { width: 240, height: 180, frameRate: 10 },
    });
    pc = new RTCPeerConnection({
      iceServers: o.iceServers ?? [],
      iceTransportPolicy: o.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
    });
    collector = new lib.PeerReportCollector({
      server: o.server,
      token: o.token,
      sampleIntervalMs: o.sampleIntervalMs,
      batchIntervalMs: o.batchIntervalMs,
      onError: (e) => errors.push(e),
    });
    const joined = await collector.start();
    collector.observe(pc, { id: 'sfu', role: 'sfu' });
    return { joined };
  },
  /** Answers the SFU's offer; `slots` say what each m-line carries, `peerIds` map SFU names to peer ids. */
  async answer({ sdp, slots, peerIds }) {
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const t of pc.getTransceivers()) {
      const slot = slots.find((s) => s.mid === t.mid);
      if (!slot) continue;
      if (slot.role === 'publish') {
        const track = stream.getTracks().find((k) => k.kind === slot.kind);
        await t.sender.replaceTrack(track);
        t.direction = 'sendonly';
        collector.describeTrack(track, { producer_id: slot.producerId });
      } else {
        t.direction = 'recvonly';
        collector.describeTrack(t.receiver.track, {
          producer_id: slot.producerId,
          consumer_id: slot.consumerId,
          remote_peer_id: peerIds[slot.from],
        });
        // Play what arrives, as an app does (a video element pulls frames, so freezes are counted).
        const el = document.createElement(slot.kind);
        el.autoplay = true;
        el.muted = true;
        el.srcObject = new MediaStream([t.receiver.track]);
        document.getElementById('remotes').append(el);
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await gatheringComplete();
    return pc.localDescription.sdp;
  },
  connectionState() {
    return pc.connectionState;
  },
  /** Stops sending media (the senders stay), so both ends' counters settle before the last sample. */
  async stopSending() {
    for (const sender of pc.getSenders()) await sender.replaceTrack(null);
  },
  leave: (reason) => collector.leave(reason),
  peerId: () => collector.peerId,
  errors: () => errors,
  /** Raw getStats() packet totals per m-line, to cross-check the SFU's forwarding. */
  async rawTotals() {
    const out = {};
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'outbound-rtp') out[`out-${s.mid}`] = s.packetsSent;
      if (s.type === 'inbound-rtp') out[`in-${s.mid}`] = s.packetsReceived;
    });
    return out;
  },
};
window.harnessReady = true;

/**
 * A small forwarding SFU for the scenario tests, written with werift (a
 * pure-TypeScript WebRTC stack from npm: mediasoup's C++ worker cannot be
 * built offline here).
 *
 * Every peer gets one connection to the SFU. The SFU offers it one audio and
 * one video m-line to publish on (`recvonly` here), then one audio and one
 * video m-line per other peer to receive that peer's tracks on (`sendonly`
 * here). RTP from a publisher is forwarded, unchanged but for SSRC, payload
 * type and header extensions (each outgoing connection has its own), to every
 * subscriber. What a real SFU does on each leg, werift does here:
 * - it ends RTCP on each leg: the publisher gets the SFU's own receiver
 *   reports (so its `remote-inbound-rtp` loss is the loss of its uplink to
 *   the SFU), the subscriber's receiver reports stay at the SFU;
 * - video is repaired per leg with NACK (the SFU NACKs the publisher and
 *   answers a subscriber's NACKs from its own send cache), audio is not;
 * - a subscriber's PLI is passed on to the publisher (a keyframe is needed).
 */
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpTransceiver,
  useOPUS,
  useSdesMid,
  useVP8,
  type RtpPacket,
} from 'werift';

/** What an m-line of a peer's connection carries, as the app learns it from its signalling. */
export interface SfuSlot {
  mid: string;
  kind: 'audio' | 'video';
  /** `publish`: this peer sends on it; `receive`: it carries `from`'s track. */
  role: 'publish' | 'receive';
  /** The publishing peer (its name in the SFU). */
  from: string;
  /** Ids the app would give the tracks: the publisher's producer and this subscriber's consumer. */
  producerId: string;
  consumerId?: string;
}

/** One peer's side of the SFU: the offer to answer, and what each m-line carries. */
export interface SfuOffer {
  sdp: string;
  slots: SfuSlot[];
}

/** Forwarding counters per publisher and kind (RTP packets received from it and sent on to subscribers). */
export type SfuCounters = Record<string, { received: number; forwarded: number }>;

interface Leg {
  pc: RTCPeerConnection;
  publish: Record<'audio' | 'video', RTCRtpTransceiver>;
  /** Sending transceivers by publisher name and kind. */
  outputs: Map<string, RTCRtpTransceiver>;
}

const KINDS = ['audio', 'video'] as const;

export const producerIdOf = (peer: string, kind: string) => `${peer}-${kind}`;
export const consumerIdOf = (subscriber: string, peer: string, kind: string) =>
  `${subscriber}<-${peer}-${kind}`;

/** The SFU of one call between the named peers (all known up front: no renegotiation). */
export class ForwardingSfu {
  readonly counters: SfuCounters = {};
  private readonly legs = new Map<string, Leg>();

  constructor(private readonly peers: readonly string[]) {}

  /** Creates `peer`'s connection and returns the SFU's offer (complete: vanilla ICE). */
  async offer(peer: string): Promise<SfuOffer> {
    const pc = new RTCPeerConnection({
      codecs: { audio: [useOPUS()], video: [useVP8()] },
      headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
      bundlePolicy: 'max-bundle',
      iceServers: [],
      iceUseIpv6: false,
      // The browsers reach the SFU through coturn on loopback; host candidates on loopback keep it all local.
      iceAdditionalHostAddresses: ['127.0.0.1'],
    });
    const publish = {
      audio: pc.addTransceiver('audio', { direction: 'recvonly' }),
      video: pc.addTransceiver('video', { direction: 'recvonly' }),
    };
    const outputs = new Map<string, RTCRtpTransceiver>();
    for (const other of this.peers)
      if (other !== peer)
        for (const kind of KINDS)
          outputs.set(
            `${other}|${kind}`,
            pc.addTransceiver(new MediaStreamTrack({ kind }), { direction: 'sendonly' }),
          );
    this.legs.set(peer, { pc, publish, outputs });
    // A new subscriber needs a keyframe from every publisher (what an SFU does when a consumer starts).
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected')
        for (const [name, leg] of this.legs) if (name !== peer) this.requestKeyframe(leg);
    });
    for (const kind of KINDS) this.forward(peer, kind, publish[kind]);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const slots: SfuSlot[] = [];
    for (const kind of KINDS)
      slots.push({
        mid: String(publish[kind].mid),
        kind,
        role: 'publish',
        from: peer,
        producerId: producerIdOf(peer, kind),
      });
    for (const [key, t] of outputs) {
      const [from, kind] = key.split('|') as [string, 'audio' | 'video'];
      slots.push({
        mid: String(t.mid),
        kind,
        role: 'receive',
        from,
        producerId: producerIdOf(from, kind),
        consumerId: consumerIdOf(peer, from, kind),
      });
    }
    return { sdp: String(pc.localDescription?.sdp), slots };
  }

  /** Applies `peer`'s answer. */
  async accept(peer: string, sdp: string): Promise<void> {
    const leg = this.legs.get(peer);
    if (!leg) throw new Error(`no SFU leg for ${peer}`);
    await leg.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Forwards what `peer` publishes on `kind` to every other peer's matching output. */
  private forward(peer: string, kind: 'audio' | 'video', input: RTCRtpTransceiver): void {
    const count = (this.counters[producerIdOf(peer, kind)] = { received: 0, forwarded: 0 });
    input.onTrack.subscribe((track) => {
      const outputs = () =>
        [...this.legs.entries()]
          .filter(([name]) => name !== peer)
          .map(([, leg]) => leg.outputs.get(`${peer}|${kind}`))
          .filter((t): t is RTCRtpTransceiver => t !== undefined);
      // A subscriber lost a picture: ask the publisher for a keyframe.
      for (const out of outputs())
        out.sender.onPictureLossIndication.subscribe(() => {
          if (track.ssrc !== undefined) void input.receiver.sendRtcpPLI(track.ssrc).catch(() => {});
        });
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        count.received++;
        for (const out of outputs()) {
          // Each output rewrites the header and keeps the packet for NACKs: it gets its own copy, without the
          // publisher's header extensions (their ids and the mid belong to the publisher's connection).
          const copy = rtp.clone();
          copy.header.extensions = [];
          copy.header.extension = false;
          count.forwarded++;
          void out.sender.sendRtp(copy).catch(() => {});
        }
      });
    });
  }

  private requestKeyframe(leg: Leg): void {
    const ssrc = leg.publish.video.receiver.tracks[0]?.ssrc;
    if (ssrc !== undefined) void leg.publish.video.receiver.sendRtcpPLI(ssrc).catch(() => {});
  }

  /** Connection state of every leg, by peer. */
  states(): Record<string, string> {
    return Object.fromEntries([...this.legs].map(([name, leg]) => [name, leg.pc.connectionState]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.legs.values()].map((leg) => leg.pc.close().catch(() => {})));
    this.legs.clear();
  }
}

function gathered(pc: RTCPeerConnection, timeoutMs = 10_000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

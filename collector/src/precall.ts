/**
 * Precall network test: which candidate types can be gathered (host,
 * reflexive, relay), the HTTP round trip to the server, and a loopback call
 * through the configured TURN server (RTT, jitter, loss, throughput) over
 * data channels. Its result goes into `precall_network_information`.
 */
import type { PrecallResult } from '../../src/model/telemetry.ts';

/** Options of `runPrecallTest`. */
export interface PrecallOptions {
  /** STUN/TURN servers to test, as in `RTCConfiguration.iceServers`. */
  iceServers?: RTCIceServer[];
  /** Peer-report server URL: its HTTP round trip is measured as `backend_rtt_ms`. */
  server?: string;
  /** URL timed for `backend_rtt_ms` (HEAD, no-cors). Default `{server}/collector/v1/peer-report-collector.js`. */
  backendUrl?: string;
  /** Force the loopback call through a relay (default: when a relay candidate could be gathered). */
  forceRelay?: boolean;
  /** Number of pings on the unreliable channel (default 40, one every 25 ms). */
  pings?: number;
  /** How long to push data for the throughput figure, ms (default 2000). */
  throughputMs?: number;
  /** Limit for each waiting step (gathering, connecting), ms (default 8000). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => fallback)]);
}

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Candidate types gathered with `iceServers`. */
async function gatherTypes(iceServers: RTCIceServer[], timeoutMs: number): Promise<Set<string>> {
  const types = new Set<string>();
  const pc = new RTCPeerConnection({ iceServers });
  try {
    pc.createDataChannel('gather');
    const done = new Promise<void>((resolve) => {
      pc.onicecandidate = (e) => {
        if (e.candidate?.type) types.add(e.candidate.type);
        if (!e.candidate) resolve();
      };
    });
    await pc.setLocalDescription(await pc.createOffer());
    await within(done, timeoutMs, undefined);
  } finally {
    pc.close();
  }
  return types;
}

/** Median HTTP round trip to `url` over 5 requests after one warm-up. */
async function httpRtt(url: string): Promise<number | undefined> {
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    try {
      await fetch(url, { method: 'HEAD', mode: 'no-cors', cache: 'no-store', credentials: 'omit' });
    } catch {
      return undefined;
    }
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

/** Figures of the loopback call. */
interface LoopbackResult {
  connected: boolean;
  rtt?: number;
  jitter?: number;
  loss?: number;
  kbps?: number;
}

async function loopback(
  o: PrecallOptions,
  relay: boolean,
  timeoutMs: number,
): Promise<LoopbackResult> {
  const config: RTCConfiguration = {
    iceServers: o.iceServers ?? [],
    iceTransportPolicy: relay ? 'relay' : 'all',
  };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  try {
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate).catch(() => {});
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate).catch(() => {});
    const ping = a.createDataChannel('ping', { ordered: false, maxRetransmits: 0 });
    const bulk = a.createDataChannel('bulk');
    let received = 0;
    let lastAt = 0;
    b.ondatachannel = ({ channel }) => {
      channel.onmessage = (m) => {
        if (channel.label === 'ping') channel.send(m.data);
        else {
          lastAt = performance.now();
          received += (m.data as ArrayBuffer).byteLength ?? 0;
        }
      };
    };
    const open = (dc: RTCDataChannel) =>
      new Promise<boolean>((r) =>
        dc.readyState === 'open' ? r(true) : (dc.onopen = () => r(true)),
      );
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    if (
      !(await within(
        Promise.all([open(ping), open(bulk)]).then(() => true),
        timeoutMs,
        false,
      ))
    )
      return { connected: false };

    // RTT, jitter, loss: numbered pings on an unreliable, unordered channel.
    const count = o.pings ?? 40;
    const sent = new Map<number, number>();
    const rtts: number[] = [];
    ping.onmessage = (m) => {
      const t = sent.get(Number(m.data));
      if (t !== undefined) rtts.push(performance.now() - t);
      sent.delete(Number(m.data));
    };
    for (let i = 0; i < count; i++) {
      sent.set(i, performance.now());
      ping.send(String(i));
      await sleep(25);
    }
    await sleep(1000);
    let jitter = 0;
    for (let i = 1; i < rtts.length; i++) jitter += Math.abs(rtts[i] - rtts[i - 1]);

    // Throughput: keep the reliable channel's buffer full for throughputMs, then let it drain.
    const chunk = new ArrayBuffer(16 * 1024);
    const start = performance.now();
    const until = start + (o.throughputMs ?? 2000);
    bulk.bufferedAmountLowThreshold = 256 * 1024;
    while (performance.now() < until && bulk.readyState === 'open') {
      while (bulk.bufferedAmount < 1024 * 1024) bulk.send(chunk);
      await within(
        new Promise<void>((r) => (bulk.onbufferedamountlow = () => r())),
        200,
        undefined,
      );
    }
    const drainUntil = performance.now() + 2000;
    while (bulk.bufferedAmount > 0 && performance.now() < drainUntil) await sleep(50);
    const elapsed = lastAt - start;
    return {
      connected: true,
      rtt: rtts.length ? round(rtts.reduce((s, x) => s + x, 0) / rtts.length) : undefined,
      jitter: rtts.length > 1 ? round(jitter / (rtts.length - 1)) : undefined,
      loss: round(1 - rtts.length / count),
      kbps: elapsed > 0 ? Math.round((received * 8) / elapsed) : undefined,
    };
  } finally {
    a.close();
    b.close();
  }
}

/** Runs the precall network test. Never rejects: what could not be measured is absent. */
export async function runPrecallTest(o: PrecallOptions = {}): Promise<PrecallResult> {
  const result: PrecallResult = { ts: Date.now() };
  const timeoutMs = o.timeoutMs ?? 8000;
  const nt = (navigator as unknown as { connection?: { effectiveType?: string } }).connection
    ?.effectiveType;
  if (nt) result.effective_network_type = nt;
  try {
    const url =
      o.backendUrl ??
      (o.server
        ? `${o.server.replace(/\/+$/, '')}/collector/v1/peer-report-collector.js`
        : undefined);
    const rtt = url ? await httpRtt(url) : undefined;
    if (rtt !== undefined) result.backend_rtt_ms = round(rtt);
    if (typeof RTCPeerConnection !== 'function') return result;
    const types = await gatherTypes(o.iceServers ?? [], timeoutMs);
    result.host_connectivity = types.has('host');
    result.reflexive_connectivity = types.has('srflx');
    result.relay_connectivity = types.has('relay');
    const relay = o.forceRelay ?? result.relay_connectivity;
    const lb = await loopback(o, relay, timeoutMs);
    result.turn_connectivity = relay && lb.connected;
    if (lb.rtt !== undefined) result.rtt_ms = lb.rtt;
    if (lb.jitter !== undefined) result.jitter_ms = lb.jitter;
    if (lb.loss !== undefined) result.fractional_loss = lb.loss;
    if (lb.kbps !== undefined) result.throughput_kbps = lb.kbps;
  } catch {
    // Partial result: whatever was measured before the failure.
  }
  return result;
}

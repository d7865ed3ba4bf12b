/**
 * A UDP proxy that impairs traffic: sits between the browser and the TURN
 * server and, per direction, drops a set share of datagrams (seeded PRNG, so
 * a run is reproducible) and delays the rest; optionally it caps the rate
 * (a bottleneck link with a bounded queue: datagrams wait their turn, and are
 * dropped when the queue is full) and adds jitter in bursts (each datagram of
 * a burst gets a random extra delay). The
 * kernel here has no netem; this proxy is the impairment.
 *
 * Each client address gets its own upstream socket, so the TURN server sees
 * one 5-tuple per browser socket (as it would without the proxy).
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** Impairment of one direction. */
export interface Impairment {
  /** Share of datagrams dropped, 0..1. */
  loss: number;
  /** Added one-way delay, ms. */
  delayMs: number;
  /** Rate cap of the direction (all clients together, as one access link), kbit/s. */
  rateKbps?: number;
  /** Longest wait in the rate cap's queue before a datagram is dropped, ms (default 250). */
  queueMs?: number;
  /**
   * Jitter in bursts: for `burstMs` out of every `burstMs + calmMs` (from the
   * proxy's start) each datagram gets a uniform random extra delay in
   * `[0, maxMs]`, so datagrams may overtake each other (as on a radio link that
   * retransmits), or with `keepOrder` never before the one ahead of it (one FIFO
   * queue: its jitter stays below about the packet spacing).
   */
  jitter?: { maxMs: number; burstMs: number; calmMs: number; keepOrder?: boolean };
}

export interface ImpairProxyOptions {
  /** Where datagrams go (the TURN server). */
  target: { host: string; port: number };
  /** Client → target (the browser's uplink). */
  upstream?: Impairment;
  /** Target → client. */
  downstream?: Impairment;
  /** PRNG seed (default 1). */
  seed?: number;
  host?: string;
}

/** Per-direction counters. */
export interface DirectionCounters {
  forwarded: number;
  dropped: number;
  /** Of `dropped`, those dropped because the rate cap's queue was full. */
  queueDrops: number;
  /** Bytes forwarded. */
  bytes: number;
}

export interface ImpairProxy {
  port: number;
  host: string;
  counters: { upstream: DirectionCounters; downstream: DirectionCounters };
  /** Changes the impairment while running (e.g. `{ loss: 1, delayMs: 0 }` cuts the network). */
  setImpairment(direction: 'upstream' | 'downstream', impairment: Impairment): void;
  close(): Promise<void>;
}

/**
 * Socket receive buffer, bytes (the kernel caps it at `net.core.rmem_max`): a
 * video call sends bursts of datagrams, and a default-sized buffer overflows
 * (real, unplanned loss) when the proxy's event loop is briefly busy.
 */
const RECV_BUFFER = 4 << 20;

/** mulberry32: a small, fast, seedable PRNG returning [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts the proxy on a free UDP port. */
export async function startImpairProxy(options: ImpairProxyOptions): Promise<ImpairProxy> {
  const host = options.host ?? '127.0.0.1';
  const random = mulberry32(options.seed ?? 1);
  const impair = {
    upstream: options.upstream ?? { loss: 0, delayMs: 0 },
    downstream: options.downstream ?? { loss: 0, delayMs: 0 },
  };
  const counters = {
    upstream: { forwarded: 0, dropped: 0, queueDrops: 0, bytes: 0 },
    downstream: { forwarded: 0, dropped: 0, queueDrops: 0, bytes: 0 },
  };
  // When each direction's bottleneck is free again (epoch ms), for the rate cap.
  const busyUntil = { upstream: 0, downstream: 0 };
  const startedAt = Date.now();
  // When the last jittered datagram of each direction is due (epoch ms), to keep their order.
  const lastDue = { upstream: 0, downstream: 0 };
  const front = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
  const sessions = new Map<string, dgram.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const fifo: Record<'upstream' | 'downstream', { due: number; send: () => void }[]> = {
    upstream: [],
    downstream: [],
  };
  const drain = (dir: 'upstream' | 'downstream') => {
    const queue = fifo[dir];
    const now = Date.now();
    let n = 0;
    while (n < queue.length && queue[n].due <= now) n++;
    if (!closed) for (const item of queue.splice(0, n)) item.send();
    if (queue.length === 0 || closed) return;
    const t = setTimeout(
      () => {
        timers.delete(t);
        drain(dir);
      },
      Math.max(1, queue[0].due - now),
    );
    timers.add(t);
  };

  const pass = (dir: 'upstream' | 'downstream', bytes: number, send: () => void) => {
    const { loss, rateKbps, jitter } = impair[dir];
    let delayMs = impair[dir].delayMs;
    if (loss > 0 && random() < loss) {
      counters[dir].dropped++;
      return;
    }
    if (rateKbps !== undefined && rateKbps > 0) {
      const now = Date.now();
      const wait = Math.max(0, busyUntil[dir] - now);
      if (wait > (impair[dir].queueMs ?? 250)) {
        counters[dir].dropped++;
        counters[dir].queueDrops++;
        return;
      }
      // IP + UDP headers count on the link too.
      const txMs = ((bytes + 28) * 8) / rateKbps;
      busyUntil[dir] = now + wait + txMs;
      delayMs += wait + txMs;
    }
    if (jitter && jitter.maxMs > 0) {
      const now = Date.now();
      const phase = (now - startedAt) % (jitter.burstMs + jitter.calmMs);
      if (phase < jitter.burstMs) delayMs += random() * jitter.maxMs;
      // A queue does not reorder: a datagram never leaves before the one ahead of it.
      if (jitter.keepOrder) delayMs = Math.max(delayMs, lastDue[dir] - now);
      lastDue[dir] = now + delayMs;
    }
    counters[dir].forwarded++;
    counters[dir].bytes += bytes;
    // A rate cap and an order-keeping jitter queue: due times only grow, so one timer drains a FIFO
    // (one timer per datagram could fire out of order: timers round their delays to whole ms).
    if (rateKbps || jitter?.keepOrder) {
      const due = Date.now() + Math.max(0, delayMs);
      fifo[dir].push({ due, send });
      if (fifo[dir].length === 1) drain(dir);
      return;
    }
    if (delayMs <= 0) return send();
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) send();
    }, delayMs);
    timers.add(t);
  };

  front.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let up = sessions.get(key);
    if (!up) {
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
      socket.on('message', (reply) =>
        pass('downstream', reply.length, () =>
          front.send(reply, rinfo.port, rinfo.address, () => {}),
        ),
      );
      socket.on('error', () => {});
      socket.bind(0, host);
      sessions.set(key, socket);
      up = socket;
    }
    const s = up;
    pass('upstream', msg.length, () =>
      s.send(msg, options.target.port, options.target.host, () => {}),
    );
  });
  front.on('error', () => {});
  await new Promise<void>((resolve) => front.bind(0, host, resolve));

  return {
    port: (front.address() as AddressInfo).port,
    host,
    counters,
    setImpairment(direction, impairment) {
      impair[direction] = impairment;
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sessions.values()) s.close();
      sessions.clear();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}

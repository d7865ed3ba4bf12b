/**
 * How responsive the TURN server is, measured from its own thread: a STUN
 * Binding request to coturn every 200 ms, the worst answer time kept. On a
 * starved machine coturn (which relays every media packet of the relayed
 * scenarios) stalls with it, and the stall shows in every call as RTT spikes,
 * freezes and loss on paths the scenario keeps clean; a browser page's timers
 * may not notice. The probe runs in a worker thread so the test process's
 * server does not delay it.
 */
import dgram from 'node:dgram';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** A running probe. */
export interface StunProbe {
  /** Worst answer time since the last reset (an unanswered request counts its wait), ms; resets. */
  takeWorstMs(): Promise<number>;
  close(): Promise<void>;
}

const BOOT = new URL('./ts-worker-boot.mjs', import.meta.url);
const PERIOD_MS = 200;

/** Starts probing `host:port` in a worker thread. */
export async function startStunProbe(host: string, port: number): Promise<StunProbe> {
  const worker = new Worker(BOOT, {
    workerData: { module: import.meta.url, probe: { host, port } },
  });
  const ask = <T>(type: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: { type: string; value: T }) => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m.value);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      if (type !== 'ready') worker.postMessage(type);
    });
  await ask('ready');
  return {
    takeWorstMs: () => ask<number>('worst'),
    async close() {
      await worker.terminate();
    },
  };
}

function bindingRequest(id: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(0x2112a442, 4);
  b.writeUInt32BE(id, 16);
  return b;
}

if (!isMainThread && (workerData as { probe?: unknown })?.probe) {
  const { host, port } = (workerData as { probe: { host: string; port: number } }).probe;
  const socket = dgram.createSocket('udp4');
  const sentAt = new Map<number, number>();
  let worst = 0;
  let next = 1;
  socket.on('message', (msg) => {
    if (msg.length < 20) return;
    const id = msg.readUInt32BE(16);
    const t = sentAt.get(id);
    if (t === undefined) return;
    sentAt.delete(id);
    worst = Math.max(worst, Date.now() - t);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  setInterval(() => {
    const now = Date.now();
    // Still unanswered: its wait so far counts.
    for (const [id, t] of sentAt) {
      worst = Math.max(worst, now - t);
      if (now - t > 5_000) sentAt.delete(id);
    }
    const id = next++;
    sentAt.set(id, now);
    socket.send(bindingRequest(id), port, host);
  }, PERIOD_MS);
  parentPort!.on('message', (type: string) => {
    if (type === 'worst') {
      parentPort!.postMessage({ type, value: worst });
      worst = 0;
    }
  });
  parentPort!.postMessage({ type: 'ready', value: true });
}

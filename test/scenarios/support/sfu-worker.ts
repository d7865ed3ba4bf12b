/**
 * Runs the forwarding SFU (`sfu-forwarder.ts`) in a worker thread, as a real
 * SFU runs apart from the app server: its packet loop then does not wait
 * behind the peer-report server's ingest in the test's own thread (on a busy
 * machine that wait showed as hundreds of ms of RTT on every leg), and it gets
 * its own share of the CPU.
 *
 * The worker side answers `{ id, method, args }` messages with `{ id, result }`
 * or `{ id, error }`; {@link SfuWorker} is the test's side.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ForwardingSfu, type SfuCounters, type SfuOffer } from './sfu-forwarder.ts';

type Method = 'offer' | 'accept' | 'counters' | 'states' | 'takeWorstDelay' | 'close';

if (!isMainThread && parentPort && (workerData as { sfuPeers?: string[] })?.sfuPeers) {
  const port = parentPort;
  const sfu = new ForwardingSfu((workerData as { sfuPeers: string[] }).sfuPeers);
  // How late the packet loop ran: a stalled SFU holds every leg's packets and releases them in a burst.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const takeWorstDelay = () => {
    const worst = delay.max / 1e6;
    delay.reset();
    return worst;
  };
  port.on('message', async (m: { id: number; method: Method; args: string[] }) => {
    try {
      const result =
        m.method === 'offer'
          ? await sfu.offer(m.args[0])
          : m.method === 'accept'
            ? await sfu.accept(m.args[0], m.args[1])
            : m.method === 'counters'
              ? sfu.counters
              : m.method === 'states'
                ? sfu.states()
                : m.method === 'takeWorstDelay'
                  ? takeWorstDelay()
                  : await sfu.close();
      port.postMessage({ id: m.id, result });
    } catch (e) {
      port.postMessage({ id: m.id, error: String((e as Error)?.stack ?? e) });
    }
  });
}

/** The test's handle on an SFU running in a worker thread. */
export class SfuWorker {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();

  constructor(peers: readonly string[]) {
    // The worker loads this TypeScript file through tsx's loader, registered in the worker first (Node 20 does not
    // pass `--import tsx` on to workers).
    const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.worker = new Worker(entry, { eval: true, workerData: { sfuPeers: [...peers] } });
    this.worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`SFU worker: ${m.error}`));
      else p?.resolve(m.result);
    });
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  private call<T>(method: Method, ...args: string[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  offer(peer: string): Promise<SfuOffer> {
    return this.call('offer', peer);
  }
  accept(peer: string, sdp: string): Promise<void> {
    return this.call('accept', peer, sdp);
  }
  counters(): Promise<SfuCounters> {
    return this.call('counters');
  }
  states(): Promise<Record<string, string>> {
    return this.call('states');
  }
  /** The SFU's worst event-loop delay (ms) since the last call. */
  takeWorstDelay(): Promise<number> {
    return this.call('takeWorstDelay');
  }
  /** Closes every leg, then ends the worker. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.call('close').catch(() => {});
    await this.worker.terminate();
  }
  private closed = false;
}

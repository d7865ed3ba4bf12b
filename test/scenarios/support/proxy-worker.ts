/**
 * The impairing UDP proxy (`test/browser/support/udp-impair-proxy.ts`) in a worker
 * thread: the test process also hosts the peer-report server, and when its event
 * loop is busy (ingest, compaction, report reads) a proxy on the same loop forwards
 * late, which shows as RTT spikes and jitter on paths the scenario keeps clean. A
 * worker has its own loop. The same proxy, the same options; counters on request.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  startImpairProxy,
  type DirectionCounters,
  type ImpairProxyOptions,
} from '../../browser/support/udp-impair-proxy.ts';

/** A proxy running in its own thread. */
export interface WorkerProxy {
  host: string;
  port: number;
  counters(): Promise<{ upstream: DirectionCounters; downstream: DirectionCounters }>;
  close(): Promise<void>;
}

const BOOT = new URL('./ts-worker-boot.mjs', import.meta.url);

/** Starts the proxy in a worker thread. */
export async function startWorkerProxy(options: ImpairProxyOptions): Promise<WorkerProxy> {
  const worker = new Worker(BOOT, { workerData: { module: import.meta.url, options } });
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
  const { host, port } = await ask<{ host: string; port: number }>('ready');
  return {
    host,
    port,
    counters: () => ask('counters'),
    async close() {
      await ask('closed');
      await worker.terminate();
    },
  };
}

if (!isMainThread && (workerData as { options?: unknown })?.options) {
  const proxy = await startImpairProxy((workerData as { options: ImpairProxyOptions }).options);
  parentPort!.on('message', async (type: string) => {
    if (type === 'counters') parentPort!.postMessage({ type, value: proxy.counters });
    if (type === 'closed') {
      await proxy.close();
      parentPort!.postMessage({ type, value: true });
    }
  });
  parentPort!.postMessage({ type: 'ready', value: { host: proxy.host, port: proxy.port } });
}

/**
 * Worker threads running our TypeScript modules. Loader hooks registered in
 * the process (tsx) do not reach worker threads, so each worker starts from a
 * small entry that registers tsx (a runtime dependency) and then imports the
 * module. Once the module has loaded, the worker posts {@link WORKER_READY}.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The message a worker posts when its module has loaded. */
export const WORKER_READY = '__peer_report_worker_ready__';

/** Starts a worker thread running the TypeScript module at `moduleUrl`. */
export function startTsWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const code = [
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});`,
    'register();',
    `await import(${JSON.stringify(moduleUrl.href)});`,
    `(await import('node:worker_threads')).parentPort?.postMessage(${JSON.stringify(WORKER_READY)});`,
  ].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}

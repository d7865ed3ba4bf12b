/**
 * Worker threads running our TypeScript modules. Loader hooks registered in
 * the process (tsx) do not reach worker threads, so each worker starts from a
 * small entry that registers tsx (a runtime dependency) and then imports the
 * module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts a worker thread running the TypeScript module at `moduleUrl`. */
export function startTsWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const code = [
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});`,
    'register();',
    `await import(${JSON.stringify(moduleUrl.href)});`,
  ].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), options);
}

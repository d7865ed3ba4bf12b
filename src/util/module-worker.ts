/**
 * Worker threads running one of our modules. In production the modules are the compiled JavaScript in `dist/`
 * and a worker imports its module directly. From source (development, tests), loader hooks registered in the
 * process (tsx) do not reach worker threads, so the worker starts from a small entry that registers tsx first.
 * Either way, once the module has loaded, the worker posts {@link WORKER_READY}.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The message a worker posts when its module has loaded. */
export const WORKER_READY = '__peer_report_worker_ready__';

/** The URL of a module next to `base` (an `import.meta.url`), in the form this code runs as (`.ts` or `.js`). */
export function siblingModule(name: string, base: string): URL {
  const extension = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${extension}`, base);
}

/** Starts a worker thread running the module at `moduleUrl` (TypeScript through tsx, or compiled JavaScript). */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const lines = [
    `await import(${JSON.stringify(moduleUrl.href)});`,
    `(await import('node:worker_threads')).parentPort?.postMessage(${JSON.stringify(WORKER_READY)});`,
  ];
  if (moduleUrl.pathname.endsWith('.ts')) {
    lines.unshift(
      `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});`,
      'register();',
    );
  }
  return new Worker(
    new URL(`data:text/javascript,${encodeURIComponent(lines.join('\n'))}`),
    options,
  );
}

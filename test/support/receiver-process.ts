/**
 * A webhook receiver in a child process of its own (webhook-receiver-child.ts): answers 200 and counts
 * distinct events, with the epoch times of the first and last arrival. Its answers never wait on this
 * process's event loop, so a test may block that loop (or a bench load it) while deliveries arrive.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A receiver process; its figures lag by up to 50 ms (the child reports them periodically). */
export interface ReceiverProcess {
  url: string;
  /** Distinct events received since the last reset. */
  count(): number;
  /** Epoch ms of the first and last arrival since the last reset (0 before any). */
  first(): number;
  last(): number;
  /** Seconds from the first to the last arrival. */
  span(): number;
  /** Epoch ms of every arrival since the last reset. */
  arrivals(): Promise<number[]>;
  reset(): void;
  close(): Promise<void>;
}

/** Starts the receiver; its URL is `http://127.0.0.1:<port>/hook`. */
export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child = fork(fileURLToPath(new URL('./webhook-receiver-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
  });
  let gen = 0;
  let state = { count: 0, first: 0, last: 0 };
  let asked: ((times: number[]) => void) | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.on(
      'message',
      (m: {
        port?: number;
        gen?: number;
        count: number;
        first: number;
        last: number;
        times?: number[];
      }) => {
        if (m.times) asked?.(m.times);
        else if (m.port !== undefined) resolve(m.port);
        else if (m.gen === gen) state = m;
      },
    );
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => state.count,
    first: () => state.first,
    last: () => state.last,
    span: () => (state.last - state.first) / 1000,
    arrivals: () =>
      new Promise<number[]>((resolve) => {
        asked = resolve;
        child.send({ times: true });
      }),
    reset() {
      gen++;
      state = { count: 0, first: 0, last: 0 };
      child.send({ reset: gen });
    },
    close: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.send({ exit: true });
      }),
  };
}

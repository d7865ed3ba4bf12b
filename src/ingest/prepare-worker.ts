/**
 * Ingest worker thread: prepares batches (parse, validate, derive) off the
 * event loop that serves HTTP and writes to the database. Messages:
 * `{ id, text, peerId, known }` in, `{ id, prepared }` (or `{ id, error }`) out.
 */
import { parentPort } from 'node:worker_threads';
import { prepareBatch } from './batch-preparation.ts';
import type { KnownState } from './derive-stream-chunks.ts';

interface PrepareRequest {
  id: number;
  text: string;
  peerId: string;
  known: KnownState[];
}

parentPort!.on('message', (req: PrepareRequest) => {
  try {
    parentPort!.postMessage({
      id: req.id,
      prepared: prepareBatch(req.text, req.peerId, req.known),
    });
  } catch (err) {
    parentPort!.postMessage({
      id: req.id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
});

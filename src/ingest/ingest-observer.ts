/**
 * What the batch writer reports as it works, for the operator metrics
 * (implemented by `src/metrics/server-metrics.ts`). Called on the hot path:
 * implementations must be cheap and must not throw.
 */
export interface IngestObserver {
  /** A group transaction of `batches` batches finished (committed or failed) after `seconds`. */
  groupWritten(batches: number, seconds: number, ok: boolean): void;
  /** A batch's outcome is known, `seconds` after it was submitted (for a stored batch: after its commit). */
  batchDone(
    outcome: 'stored' | 'duplicate' | 'peer_closed' | 'unknown_peer' | 'invalid' | 'failed',
    seconds: number,
    samples: number,
    skipped: number,
  ): void;
}

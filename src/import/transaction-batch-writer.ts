/**
 * Runs the ingest's own batch writer (src/ingest/batch-writer.ts: dedup,
 * per-interval quality rows, stream state) inside a transaction the importer
 * already holds, so an import is one commit: every batch of every peer, or
 * nothing. The writer opens `db.transaction()` per flush; here that call
 * reuses the outer transaction instead of opening a nested one.
 *
 * If the ingest ever exports its per-batch transactional write, this adapter
 * can be replaced by a direct call.
 */
import type { Kysely, Transaction } from 'kysely';
import { BatchWriter, type BatchOutcome } from '../ingest/batch-writer.ts';
import type { Database } from '../store/schema.ts';
import type { StoreDialect } from '../store/store-dialect.ts';
import type { TelemetryBatch } from '../model/telemetry.ts';

/** A Kysely handle whose `transaction()` runs the callback in `tx` (no nested transaction). */
function insideTransaction(tx: Transaction<Database>): Kysely<Database> {
  return new Proxy(tx, {
    get(target, prop) {
      if (prop === 'transaction') {
        return () => ({
          execute: <T>(fn: (t: Transaction<Database>) => Promise<T>): Promise<T> => fn(target),
        });
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  }) as unknown as Kysely<Database>;
}

/** Writes telemetry batches within `tx` through the ingest's writer. */
export class TransactionBatchWriter {
  private readonly writer: BatchWriter;

  constructor(tx: Transaction<Database>, dialect: StoreDialect, keepFullIp = false) {
    this.writer = new BatchWriter(insideTransaction(tx), dialect, { keepFullIp });
  }

  /** Stores one batch for the peer; rejects when the ingest refuses it. */
  async write(peerId: string, participantId: string, batch: TelemetryBatch): Promise<BatchOutcome> {
    const outcome = await this.writer.write(peerId, participantId, batch);
    if (outcome.status !== 'stored')
      throw new Error(
        `ingest refused batch ${batch.batch_id} of peer ${peerId}: ${outcome.status}`,
      );
    return outcome;
  }

  /** Waits for queued batches. */
  close(): Promise<void> {
    return this.writer.close();
  }
}

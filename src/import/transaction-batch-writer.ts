/**
 * Writes an import's telemetry batches inside the import's unit of work (one transaction: every batch of every
 * peer, or nothing), through the store's batch-write verb, the one live ingest's group commit uses, with the
 * ingest's rules (src/ingest/batch-rules.ts) and its address redaction.
 */
import type { StoreUnit } from '../store/store.ts';
import type { BatchOutcome } from '../store/telemetry-write-types.ts';
import type { TelemetryBatch } from '../model/telemetry.ts';
import { batchRules } from '../ingest/batch-rules.ts';
import { redactBatchAddresses } from '../ingest/redact-addresses.ts';

/** Writes telemetry batches within `unit`. */
export class TransactionBatchWriter {
  constructor(
    private readonly unit: StoreUnit,
    private readonly keepFullIp = false,
  ) {}

  /** Stores one batch for the peer; rejects when the ingest refuses it. */
  async write(peerId: string, participantId: string, batch: TelemetryBatch): Promise<BatchOutcome> {
    const job = {
      peerId,
      participantId,
      batch: this.keepFullIp ? batch : redactBatchAddresses(batch),
      receivedAt: Date.now(),
    };
    const [outcome] = await this.unit.telemetry.writeGroup([job], batchRules);
    if (outcome.status !== 'stored')
      throw new Error(
        `ingest refused batch ${batch.batch_id} of peer ${peerId}: ${outcome.status}`,
      );
    return outcome;
  }
}

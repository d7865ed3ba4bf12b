/**
 * The ingest's decisions and rows for a telemetry batch write (pure: batch-rows.ts, derive-stream-chunks.ts,
 * late-samples.ts), handed to the store's write verb, which owns the SQL and the transaction.
 */
import type { BatchJob, BatchRules } from '../store/telemetry-write-types.ts';
import type { StreamSample } from '../model/telemetry.ts';
import { parseBatch } from './batch-preparation.ts';
import { deriveStreamChunks } from './derive-stream-chunks.ts';
import { fillGap, groupLateSamples } from './late-samples.ts';
import {
  batchAcceptance,
  candidatePairRows,
  deviceRows,
  eventRows,
  pcMetadataRows,
  peerSpanChange,
  peerUpdateOf,
  sameStates,
  streamKeysOf,
} from './batch-rows.ts';

/** A job that may carry its request text (re-parsed when its early derivation went stale). */
export type TextBatchJob = BatchJob & { text?: string };

/** A job's samples: kept on the batch, or parsed again from its (validated) text. */
function samplesOf(job: TextBatchJob): StreamSample[] {
  if (job.batch.samples) return job.batch.samples;
  const parsed = parseBatch(job.text ?? '{}');
  if (!parsed.ok)
    throw new Error(`batch ${job.batch.batch_id} no longer parses: ${parsed.message}`);
  return parsed.batch.samples ?? [];
}

/** The rules every batch write uses (live ingest and imports). */
export const batchRules: BatchRules<TextBatchJob> = {
  acceptance: batchAcceptance,
  peerUpdate: peerUpdateOf,
  spanChange: peerSpanChange,
  events: eventRows,
  devices: deviceRows,
  pcMetadata: pcMetadataRows,
  candidatePairs: candidatePairRows,
  streamKeys: streamKeysOf,
  sameStates,
  derive: deriveStreamChunks,
  samplesOf,
  groupLateSamples,
  fillGap,
};

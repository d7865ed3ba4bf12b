/**
 * The CPU-heavy part of storing a telemetry batch, as one pure function of the
 * request text: parse the JSON, validate it against the batch schema, derive
 * the per-interval quality rows of its samples from the streams' last stored
 * samples. Runs in the ingest worker threads (see prepare-pool), or inline.
 */
import type { TelemetryBatch } from '../model/telemetry.ts';
import { validateBatch } from './batch-validator.ts';
import { findUnstorableInParsedJson } from '../util/storable-text.ts';
import { deriveStreamChunks, type DerivedChunks, type KnownState } from './derive-stream-chunks.ts';

/** A batch ready to be written, or why it cannot be. */
export type PreparedBatch =
  | { ok: false; field: string; message: string }
  | {
      ok: true;
      /** The validated batch without its samples (they live on as `derived`). */
      batch: Omit<TelemetryBatch, 'samples'>;
      /** Derived rows of the samples; absent when the batch has none. */
      derived?: DerivedChunks;
    };

/** Parses and validates a batch body (throws nothing: errors name the field). */
export function parseBatch(
  text: string,
): { ok: true; batch: TelemetryBatch } | { ok: false; field: string; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, field: 'body', message: `malformed JSON (${(e as Error).message})` };
  }
  const unstorable = findUnstorableInParsedJson(text, json);
  if (unstorable) return { ok: false, ...unstorable };
  const checked = validateBatch(json);
  return checked.ok ? { ok: true, batch: checked.value } : checked;
}

/**
 * Parses, validates and derives `text` for `peerId`; `known` are the peer's
 * stored stream states (any streams: those the batch has no samples of are ignored).
 */
export function prepareBatch(
  text: string,
  peerId: string,
  known: readonly KnownState[],
): PreparedBatch {
  const parsed = parseBatch(text);
  if (!parsed.ok) return parsed;
  const { samples, ...rest } = parsed.batch;
  return samples?.length
    ? { ok: true, batch: rest, derived: deriveStreamChunks(peerId, samples, known) }
    : { ok: true, batch: rest };
}

/**
 * Keeps normalised figures within the ingest contract's ranges. Browsers
 * (and legacy conversions) occasionally report impossible values, e.g.
 * `googRtt: -1` or a 300-character decoder name; one such value would make
 * the ingest reject a whole batch, so it is dropped (counted) instead.
 */
import type { CandidateInfo, CandidatePairSample, StreamSample } from '../model/telemetry.ts';
import { MAX_COUNTER, fieldMax } from '../ingest/physical-bounds.ts';
import { scrubUnstorable } from '../util/storable-text.ts';

/** Sample fields that may legitimately be negative (duplicated packets make `packetsLost` negative). */
const SIGNED_FIELDS: ReadonlySet<string> = new Set(['packets_lost', 'ts', 'ssrc']);
/** Of a candidate pair, only its time. */
const SIGNED_PAIR_FIELDS: ReadonlySet<string> = new Set(['ts']);
const NO_SIGNED_FIELDS: ReadonlySet<string> = new Set();
const MAX_TEXT = 256;

function cleanNumbers(obj: Record<string, unknown>, signed: ReadonlySet<string>): number {
  let dropped = 0;
  // for-in without intermediate arrays: this runs for every sample of a dump.
  for (const key in obj) {
    const value = obj[key];
    if (typeof value === 'number') {
      // Beyond its physical bound (physical-bounds.ts) the ingest schema would refuse the whole batch.
      if (
        !Number.isFinite(value) ||
        (value < 0 && !signed.has(key)) ||
        value > fieldMax(key) ||
        value < -MAX_COUNTER
      ) {
        delete obj[key];
        dropped++;
      }
    } else if (typeof value === 'string') {
      const text = value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
      // A recording is taken as it is: text a store cannot keep is replaced (U+FFFD), not refused.
      const kept = scrubUnstorable(text);
      // Written back only when changed: a keyed store per text field of every sample cost more than the check.
      if (kept !== value) obj[key] = kept;
    }
  }
  return dropped;
}

function validPort(port: number | undefined): boolean {
  return port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65535);
}

function cleanCandidate(c: CandidateInfo | undefined): number {
  if (!c) return 0;
  let dropped = cleanNumbers(c as Record<string, unknown>, NO_SIGNED_FIELDS);
  if (!validPort(c.port)) {
    delete c.port;
    dropped++;
  }
  if (!validPort(c.related_port)) {
    delete c.related_port;
    dropped++;
  }
  if (c.url !== undefined && c.url.length > 1024) c.url = c.url.slice(0, 1024);
  return dropped;
}

/** Drops out-of-range fields of a stream sample in place; returns how many were dropped, or `-1` when the sample itself is unusable. */
export function sanitizeStreamSample(sample: StreamSample): number {
  if (!Number.isInteger(sample.ssrc) || sample.ssrc < 0 || sample.ssrc > 4294967295) return -1;
  let dropped = cleanNumbers(sample as unknown as Record<string, unknown>, SIGNED_FIELDS);
  if (sample.fraction_lost !== undefined && sample.fraction_lost > 1) {
    delete sample.fraction_lost;
    dropped++;
  }
  if (sample.quality_limitation_durations)
    dropped += cleanNumbers(sample.quality_limitation_durations, NO_SIGNED_FIELDS);
  return dropped;
}

/** Same for a candidate-pair sample. */
export function sanitizeCandidatePair(pair: CandidatePairSample): number {
  let dropped = cleanNumbers(pair as unknown as Record<string, unknown>, SIGNED_PAIR_FIELDS);
  dropped += cleanCandidate(pair.local);
  dropped += cleanCandidate(pair.remote);
  if (pair.id.length > 128) pair.id = pair.id.slice(0, 128);
  return dropped;
}

/**
 * Derivation of a batch's samples into stored report rows (pure CPU work, no
 * I/O): per stream, each sample's per-interval row against the previous
 * sample, serialised once as the JSON the report splices in, plus packed
 * metric columns for the aggregates.
 */
import type { StreamSample } from '../model/telemetry.ts';
import { streamKey } from '../model/telemetry.ts';
import { deriveInterval } from '../analytics/stream-interval.ts';
import { withCarriedCounters } from '../analytics/carry-counters.ts';
import { packMetricRows } from '../analytics/metric-packing.ts';
import type { MetricRow } from '../analytics/metric-row.ts';

import type { DerivedChunks, KnownState, NewChunkRow } from '../store/stored-stream-types.ts';

export type { DerivedChunks, KnownState };

/**
 * Derives the per-interval report rows of a batch's samples from the streams'
 * last stored samples (pure CPU work: no I/O); `known` may hold states of
 * other streams too. Samples not newer than their stream's last stored sample
 * are left out (`late`: the write may place them between stored chunks).
 */
export function deriveStreamChunks(
  peerId: string,
  samples: readonly StreamSample[],
  known: readonly KnownState[],
): DerivedChunks {
  const byStream = new Map<string, StreamSample[]>();
  for (const s of samples) {
    const key = streamKey(s);
    let list = byStream.get(key);
    if (!list) byStream.set(key, (list = []));
    list.push(s);
  }
  const stateByKey = new Map(
    known.filter((s) => byStream.has(s.stream_key)).map((s) => [s.stream_key, s]),
  );
  const out: DerivedChunks = {
    keys: [...byStream.keys()],
    known: new Map([...stateByKey.values()].map((s) => [s.stream_key, s.last_ts])),
    chunks: [],
    states: [],
    stored: 0,
    skipped: 0,
    late: [],
  };
  for (const [key, list] of byStream) {
    list.sort((a, b) => a.ts - b.ts);
    const state = stateByKey.get(key);
    let prev: StreamSample | undefined = state ? parsedState(state.last_sample) : undefined;
    let lastTs = state ? state.last_ts : -Infinity;
    let rows: string[] = [];
    let metrics: MetricRow[] = [];
    let series = '';
    let firstTs = 0;
    let firstSample: StreamSample | undefined;
    // One chunk per run of one series: an SSRC that switches camera -> screen -> camera
    // (jitsi's setVideoType) has its rows in each series for the time it spent there. Each chunk keeps the
    // cumulative samples at its two ends, so a late batch can be placed between two chunks (late-samples.ts).
    const flush = (lastJson = JSON.stringify(prev)): void => {
      if (rows.length === 0) return;
      out.chunks.push({
        account_id: '',
        received_at: 0,
        peer_id: peerId,
        series,
        stream_key: key,
        first_ts: firstTs,
        last_ts: lastTs,
        n: rows.length,
        rows_json: Buffer.from(rows.join(','), 'utf8'),
        metrics: packMetricRows(metrics),
        first_sample: JSON.stringify(firstSample),
        last_sample: lastJson,
      });
      rows = [];
      metrics = [];
    };
    for (const sample of list) {
      if (sample.ts <= lastTs) {
        out.skipped++;
        out.late.push(sample);
        continue;
      }
      const derived = deriveInterval(prev, sample);
      if (rows.length > 0 && derived.series !== series) flush();
      // Additive: which track (connection, direction, SSRC) the row belongs to, so a client can draw one line per
      // track where a series mixes several (SFU participants, simulcast layers, a replaced SSRC, a second connection).
      derived.row.track = key;
      if (rows.length === 0) {
        firstTs = sample.ts;
        firstSample = sample;
      }
      series = derived.series;
      rows.push(JSON.stringify(derived.row));
      metrics.push(derived.metrics);
      prev = withCarriedCounters(prev, sample);
      lastTs = sample.ts;
      out.stored++;
    }
    if (rows.length === 0 || !prev) continue;
    // The chunk's last sample and the stream's new state are the same sample: serialised once.
    const lastJson = JSON.stringify(prev);
    flush(lastJson);
    rememberState(lastJson, prev);
    out.states.push({
      account_id: '',
      peer_id: peerId,
      stream_key: key,
      series,
      last_ts: lastTs,
      last_sample: lastJson,
    });
  }
  return out;
}

/** Most stream states kept parsed (one per live stream this thread derived; ~1–2 KB each). */
const PARSED_STATES_CAPACITY = 20_000;

/**
 * States this thread wrote, by their JSON text, parsed: the next batch of the
 * stream comes with that text as its known state, and taking the object from
 * here saves parsing it again (a lookup hashes the text, far cheaper than a
 * parse). A state is taken once (the batch replaces it); a text this thread
 * did not write (another process or worker derived it) is parsed. The objects
 * are never mutated: derivation only reads `prev`.
 */
const parsedStates = new Map<string, StreamSample>();

function parsedState(text: string): StreamSample {
  const known = parsedStates.get(text);
  if (known === undefined) return JSON.parse(text) as StreamSample;
  parsedStates.delete(text);
  return known;
}

function rememberState(text: string, sample: StreamSample): void {
  parsedStates.set(text, sample);
  if (parsedStates.size > PARSED_STATES_CAPACITY)
    parsedStates.delete(parsedStates.keys().next().value as string);
}

/**
 * Derived chunks that crossed a thread boundary carry their bytes as plain
 * Uint8Arrays: makes them Buffers again (no copy), as the drivers bind them.
 */
export function reviveDerived(d: DerivedChunks): DerivedChunks {
  for (const c of d.chunks) {
    c.rows_json = toBuffer(c.rows_json as Uint8Array);
    c.metrics = toBuffer(c.metrics as Uint8Array);
  }
  return d;
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/**
 * Developer aid: an import's two CPU phases alone, in one thread, on the import bench's 3 MB dumps (bench/import.ts):
 * parsing (lines, delta decompression, legacy conversion, normalisation, sanitising) and preparing the rows
 * (validation, derivation, serialisation), without HTTP or the database. Steadier than the HTTP import's server CPU,
 * which the process's 10 ms clock ticks and background work blur. Prints the medians of the runs after three
 * warm-up runs, and a hash of the derived rows (equal across builds that must not change what is stored).
 * `node --import tsx bench/quick-import-phases.ts [legacy|standard]`; RUNS (default 15).
 */
import { createHash } from 'node:crypto';
import { parseDump } from '../src/import/parse-dump.ts';
import { validateBatch } from '../src/ingest/batch-validator.ts';
import { deriveStreamChunks, type KnownState } from '../src/ingest/derive-stream-chunks.ts';
import { LEGACY_SOURCE, makeLongRtcstatsDump } from './import.ts';

const which = process.argv[2] ?? 'legacy';
const dump =
  which === 'legacy'
    ? makeLongRtcstatsDump(3 * 1024 * 1024, LEGACY_SOURCE)
    : makeLongRtcstatsDump(3 * 1024 * 1024);
const runs = Number(process.env.RUNS ?? 15);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const parseMs: number[] = [];
const prepareMs: number[] = [];
let samples = 0;
let rowsHash = '';
for (let run = 0; run < runs + 3; run++) {
  const t0 = cpuMs();
  const parsed = await parseDump(dump);
  const t1 = cpuMs();
  const hash = createHash('sha256');
  samples = 0;
  for (const client of parsed.clients) {
    // Each batch derived from the states the previous one left, as the import's writer does.
    const known = new Map<string, KnownState>();
    for (const batch of client.batches) {
      validateBatch(batch);
      const derived = deriveStreamChunks('bench-peer', batch.samples ?? [], [...known.values()]);
      for (const s of derived.states) known.set(s.stream_key, s);
      samples += derived.stored;
      if (run === 0)
        for (const c of derived.chunks)
          hash
            .update(c.rows_json)
            .update(c.metrics)
            .update(c.last_sample ?? '');
    }
  }
  const t2 = cpuMs();
  if (run === 0) rowsHash = hash.digest('hex').slice(0, 16);
  if (run >= 3) {
    parseMs.push(t1 - t0);
    prepareMs.push(t2 - t1);
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(
  JSON.stringify({
    dump: which,
    dump_mb: Math.round((dump.length / 1024 / 1024) * 100) / 100,
    samples,
    parse_cpu_ms_median: Math.round(median(parseMs) * 10) / 10,
    validate_derive_cpu_ms_median: Math.round(median(prepareMs) * 10) / 10,
    derived_rows_sha256: rowsHash,
  }),
);

/**
 * Developer aid: what the ingest worker spends per sample (JSON parse,
 * validation, derivation, MOS, serialising the rows), alone in one thread,
 * on the `simulate` generator's batches. `node --import tsx
 * bench/quick-prepare.ts` with optional env B (seconds of call per batch,
 * default 10) and RUNS (default 5). FOREIGN=1: every other batch starts from
 * states this thread did not write, as behind round-robin over two processes.
 */
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';
import { prepareBatch } from '../src/ingest/batch-preparation.ts';
import type { KnownState } from '../src/ingest/derive-stream-chunks.ts';

const batchSeconds = Number(process.env.B ?? 10);
const foreign = process.env.FOREIGN === '1';
const peers = Array.from({ length: 20 }, (_, p) =>
  [
    ...syntheticBatches({
      profile: CALL_PROFILES['lossy-wifi'],
      startMs: 1_764_000_000_000,
      minutes: 30,
      batchSeconds,
      seed: p + 1,
      batchIdPrefix: `bench-peer-${p}-`,
    }),
  ].map((b) => JSON.stringify(b)),
);
for (let run = 0; run < Number(process.env.RUNS ?? 5); run++) {
  let samples = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (const texts of peers) {
    let known: KnownState[] = [];
    for (const [k, text] of texts.entries()) {
      const out = prepareBatch(text, 'bench-peer', known);
      if (!out.ok) throw new Error(`${out.field}: ${out.message}`);
      if (!out.derived) continue;
      samples += out.derived.stored;
      known = out.derived.states.map((s) => ({
        stream_key: s.stream_key,
        last_ts: s.last_ts,
        // A leading space: the same state, but not the text this thread kept parsed.
        last_sample: foreign && k % 2 === 0 ? ' ' + s.last_sample : s.last_sample,
      }));
    }
  }
  console.log(
    JSON.stringify({
      samples,
      usPerSample: Math.round(((performance.now() - started) * 1000 * 100) / samples) / 100,
      // CPU time of this process (one thread at work): holds on a shared machine, where wall time does not.
      cpuUsPerSample: Math.round((cpuMicros(process.cpuUsage(cpu0)) * 100) / samples) / 100,
    }),
  );
}

function cpuMicros(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

/**
 * Import benchmark: a 3 MB rtcstats dump (a real jitsi recording replayed as
 * one long call) parsed, normalised and written to a fresh embedded store.
 * `npm run bench` calls {@link benchImport}; run alone with
 * `node --import tsx bench/import.ts`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importDump } from '../src/import/import-dump.ts';
import { parseDump } from '../src/import/parse-dump.ts';
import { RtcstatsDeltaState } from '../src/import/rtcstats-delta.ts';
import { createApp } from '../src/store/apps.ts';
import { openDatabase } from '../src/store/open-database.ts';
import { realdataPath } from '../test/support/realdata.ts';

const SOURCE = realdataPath('jitsi-rtcstats-server/dumps/google-standard-stats-sfu');

/** Fields that only grow during a call (cumulative W3C counters). */
const CUMULATIVE = /^(packets|bytes|headerBytes|frames(Decoded|Encoded|Received|Sent|Dropped|Assembled)|keyFrames|total|jitterBuffer(Delay|EmittedCount|TargetDelay|MinimumDelay)|concealedSamples|silentConcealedSamples|concealmentEvents|insertedSamples|removedSamples|nackCount|pliCount|firCount|qpSum|retransmitted|fec|requests|responses|consentRequests|roundTripTimeMeasurements|hugeFramesSent|messages|lastPacket)/;

/**
 * A long rtcstats dump of about `targetBytes`: the real getstats lines of
 * google-standard-stats-sfu replayed cycle after cycle, with timestamps moved
 * on and cumulative counters continued, so every line stays a realistic delta.
 */
export function makeLongRtcstatsDump(targetBytes: number): Buffer {
  const lines = readFileSync(SOURCE, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const parsed = lines.map((l) => JSON.parse(l) as [string, string | null, Record<string, unknown> | unknown, number]);
  const stats = parsed.filter((l) => l[0] === 'getstats');
  const first = stats[0][3];
  const duration = stats[stats.length - 1][3] - first + 2000;
  // Final value of every cumulative field, per pc and stat id, to continue the counters across cycles.
  const finals = new Map<string, number>();
  const states = new Map<string, RtcstatsDeltaState>();
  for (const [, pc, value] of stats) {
    let state = states.get(pc as string);
    if (!state) states.set(pc as string, (state = new RtcstatsDeltaState()));
    const v = value as Record<string, unknown>;
    for (const stat of state.apply(v, v.timestamp as number)) {
      for (const [k, x] of Object.entries(stat)) if (typeof x === 'number' && CUMULATIVE.test(k)) finals.set(`${pc}|${stat.id}|${k}`, x);
    }
  }
  const header = parsed.filter((l) => l[0] !== 'getstats').map((l) => JSON.stringify(l));
  const out: string[] = [...header];
  let size = out.reduce((n, l) => n + l.length + 1, 0);
  for (let cycle = 0; size < targetBytes; cycle++) {
    const shift = cycle * duration;
    for (const [method, pc, value, ts] of stats) {
      const v = value as Record<string, unknown>;
      const moved: Record<string, unknown> = {};
      for (const [id, stat] of Object.entries(v)) {
        if (id === 'timestamp') {
          moved.timestamp = (stat as number) + shift;
          continue;
        }
        if (stat === null || typeof stat !== 'object') {
          moved[id] = stat;
          continue;
        }
        const copy: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(stat as Record<string, unknown>)) {
          if (k === 'timestamp') copy[k] = x === 0 ? 0 : (x as number) + shift;
          else if (typeof x === 'number' && CUMULATIVE.test(k)) copy[k] = k.startsWith('lastPacket') ? x + shift : x + cycle * (finals.get(`${pc}|${id}|${k}`) ?? 0);
          else copy[k] = x;
        }
        moved[id] = copy;
      }
      const line = JSON.stringify([method, pc, moved, ts + shift]);
      out.push(line);
      size += line.length + 1;
    }
  }
  return Buffer.from(out.join('\n'));
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, performance.now() - t0];
}

/** Highest heap use seen while `fn` runs (sampled every 5 ms), in MB above the heap before it. */
async function peakHeapMb<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return [result, (peak - base) / 1024 / 1024];
  } finally {
    clearInterval(timer);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the import benchmark; times in ms, sizes in MB. */
export async function benchImport(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'peer-report-bench-import-'));
  const file = join(dir, 'long-call.rtcstats');
  const dump = makeLongRtcstatsDump(3 * 1024 * 1024);
  writeFileSync(file, dump);
  const db = await openDatabase({ dataDir: dir });
  try {
    const app = await createApp(db.db, 'bench', 'import bench');
    const target = { accountId: 'bench', appId: app.id };
    // Warm-up (JIT, prepared statements), then measured runs.
    await importDump(db, file, target);
    const parse: number[] = [];
    const endToEnd: number[] = [];
    let samples = 0;
    for (let i = 0; i < 5; i++) {
      const [parsed, ms] = await timed(() => parseDump(file));
      parse.push(ms);
      samples = parsed.clients.reduce((n, c) => n + c.batches.reduce((m, b) => m + (b.samples?.length ?? 0), 0), 0);
      endToEnd.push((await timed(() => importDump(db, file, target)))[1]);
    }
    (globalThis as { gc?: () => void }).gc?.();
    const [, heapMb] = await peakHeapMb(() => importDump(db, file, target));
    return {
      dump_mb: Math.round((dump.length / 1024 / 1024) * 100) / 100,
      samples,
      parse_3mb_ms_median: Math.round(median(parse)),
      import_3mb_end_to_end_ms_median: Math.round(median(endToEnd)),
      import_3mb_end_to_end_ms_max: Math.round(Math.max(...endToEnd)),
      import_peak_heap_mb: Math.round(heapMb * 10) / 10,
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchImport());
}

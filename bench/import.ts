/**
 * Import benchmark: a 3 MB rtcstats dump (a real jitsi recording replayed as
 * one long call) parsed, normalised and written to a fresh embedded store.
 * `npm run bench` calls {@link benchImport}; run alone with
 * `node --import tsx bench/import.ts`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importDump } from '../src/import/import-dump.ts';
import { parseDump } from '../src/import/parse-dump.ts';
import { RtcstatsDeltaState } from '../src/import/rtcstats-delta.ts';
import { openStore } from '../src/store/open-store.ts';
import { realdataPath } from '../test/support/realdata.ts';
import { createHash } from 'node:crypto';
import { startBenchServer, processCpuSeconds } from './support.ts';

const SOURCE = realdataPath('jitsi-rtcstats-server/dumps/google-standard-stats-sfu');
/** Chrome's legacy (`goog*`) stats, whose counters are numeric strings: the "legacy dump". */
export const LEGACY_SOURCE = realdataPath('jitsi-rtcstats-server/dumps/google-legacy-stats-p2p');

/** Fields that only grow during a call (cumulative W3C counters, and legacy `goog*` ones). */
const CUMULATIVE =
  /^(goog(Nacks|Plis|Firs)(Sent|Received)$|packets|bytes|headerBytes|frames(Decoded|Encoded|Received|Sent|Dropped|Assembled)|keyFrames|total|jitterBuffer(Delay|EmittedCount|TargetDelay|MinimumDelay)|concealedSamples|silentConcealedSamples|concealmentEvents|insertedSamples|removedSamples|nackCount|pliCount|firCount|qpSum|retransmitted|fec|requests|responses|consentRequests|roundTripTimeMeasurements|hugeFramesSent|messages|lastPacket)/;

/**
 * A long rtcstats dump of about `targetBytes`: the real getstats lines of
 * google-standard-stats-sfu replayed cycle after cycle, with timestamps moved
 * on and cumulative counters continued, so every line stays a realistic delta.
 */
export function makeLongRtcstatsDump(targetBytes: number, source = SOURCE): Buffer {
  const lines = readFileSync(source, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const parsed = lines.map(
    (l) => JSON.parse(l) as [string, string | null, Record<string, unknown> | unknown, number],
  );
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
      for (const [k, x] of Object.entries(stat)) {
        const n = counterValue(x);
        if (n !== undefined && CUMULATIVE.test(k)) finals.set(`${pc}|${stat.id}|${k}`, n);
      }
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
          else if (counterValue(x) !== undefined && CUMULATIVE.test(k)) {
            const n = counterValue(x) as number;
            const continued = k.startsWith('lastPacket')
              ? n + shift
              : n + cycle * (finals.get(`${pc}|${id}|${k}`) ?? 0);
            // Legacy stats carry their counters as strings: keep the type.
            copy[k] = typeof x === 'string' ? String(continued) : continued;
          } else copy[k] = x;
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

/** A counter's value: a number, or a legacy stat's numeric string. */
function counterValue(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  return typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : undefined;
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

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The same dump through `POST …/imports` of a `peer-report serve` process: the
 * server's CPU per import (from /proc, steadier than wall time on a shared
 * machine), after one warm-up import, and a hash of the imported reports (with
 * their ids and import-time fields blanked) to check that a change leaves them
 * byte-identical.
 */
export async function benchImportHttp(
  dump: Buffer,
  runs = Number(process.env.IMPORT_RUNS ?? 10),
): Promise<Record<string, unknown>> {
  // IMPORT_PROFILE_DIR: write the server's CPU profile there (node --cpu-prof); BENCH_NODE_FLAGS: more flags for it.
  const flags = [
    process.env.IMPORT_PROFILE_DIR
      ? `--cpu-prof --cpu-prof-dir=${process.env.IMPORT_PROFILE_DIR}`
      : '',
    process.env.BENCH_NODE_FLAGS ?? '',
  ]
    .join(' ')
    .trim();
  const s = await startBenchServer(flags ? { BENCH_NODE_FLAGS: flags } : {});
  try {
    const url = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}/imports?title=bench`;
    const post = async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(dump),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`import failed: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as { data: { peers: { peer_id: string }[] } };
    };
    const first0 = processCpuSeconds(s.child.pid!);
    let imported = await post();
    const firstMs = (processCpuSeconds(s.child.pid!) - first0) * 1000;
    // More imports before measuring (IMPORT_WARMUP, default 4): the first few still compile the import path.
    for (let i = 0; i < Number(process.env.IMPORT_WARMUP ?? 4); i++) imported = await post();
    await untilIdle(s.child.pid!);
    const cpu: number[] = [];
    const threads0 = threadCpuSeconds(s.child.pid!);
    const all0 = processCpuSeconds(s.child.pid!);
    for (let i = 0; i < runs; i++) {
      const c0 = processCpuSeconds(s.child.pid!);
      imported = await post();
      cpu.push((processCpuSeconds(s.child.pid!) - c0) * 1000);
    }
    // What the imports left to do in the background (merging chunks, the finished peers' aggregates, diagnosis
    // and rollups): server CPU too, so the mean below counts it.
    await untilIdle(s.child.pid!);
    const allMs = (processCpuSeconds(s.child.pid!) - all0) * 1000;
    const threads = threadCpuSeconds(s.child.pid!);
    const byThread: Record<string, number> = {};
    for (const [name, sec] of threads)
      byThread[name] = Math.round(((sec - (threads0.get(name) ?? 0)) * 1000) / runs);
    const hash = createHash('sha256');
    for (const p of imported.data.peers) {
      const res = await fetch(
        `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}/sessions/peer-report/${p.peer_id}`,
        { headers: { authorization: `Bearer ${s.token}` } },
      );
      const text = blankIds(await res.text());
      if (process.env.IMPORT_REPORT_DUMP)
        writeFileSync(
          `${process.env.IMPORT_REPORT_DUMP}-${imported.data.peers.indexOf(p)}.json`,
          text,
        );
      hash.update(text);
    }
    return {
      http_import_server_cpu_ms_first: Math.round(firstMs),
      http_import_server_cpu_ms_median: Math.round(median(cpu)),
      http_import_server_cpu_ms_min: Math.round(Math.min(...cpu)),
      http_import_server_cpu_ms_runs: cpu.map(Math.round),
      http_import_server_cpu_ms_mean_with_background: Math.round(allMs / runs),
      http_import_server_cpu_ms_per_thread_kind: byThread,
      http_imported_reports_sha256: hash.digest('hex').slice(0, 16),
    };
  } finally {
    await s.stop();
  }
}

/** The HTTP import of a 3 MB dump of Chrome's legacy (`goog*`) stats, converted to standard stats on import. */
async function benchLegacyImportHttp(): Promise<Record<string, unknown>> {
  const dump = makeLongRtcstatsDump(3 * 1024 * 1024, LEGACY_SOURCE);
  return {
    dump_mb: Math.round((dump.length / 1024 / 1024) * 100) / 100,
    ...(await benchImportHttp(dump)),
  };
}

/**
 * CPU seconds of a process by thread kind: `main`, and the others by name (`node`: V8's compiler and garbage
 * collector helpers, the libuv pool); BY_TID=1 also lists each thread.
 */
function threadCpuSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name =
        Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
      out.set(name, (out.get(name) ?? 0) + seconds);
      if (process.env.BY_TID) out.set(`${name} ${tid}`, seconds);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** Resolves once the process has used no CPU for two polls 300 ms apart (at most 20 s). */
async function untilIdle(pid: number): Promise<void> {
  let quiet = 0;
  let last = processCpuSeconds(pid);
  for (let i = 0; i < 66 && quiet < 2; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const now = processCpuSeconds(pid);
    quiet = now - last < 0.005 ? quiet + 1 : 0;
    last = now;
  }
}

/** A report with its UUIDs and ISO times of the import itself blanked (they differ per import). */
function blankIds(text: string): string {
  // `quality_cohort` places the peer among the app's finished peers: it appears once the import's peers are
  // rolled up (background work, so whether the fetch sees it is timing) and moves with every import before.
  const report = JSON.parse(text) as { data?: Record<string, unknown> };
  if (report.data) delete report.data.quality_cohort;
  return JSON.stringify(report)
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID')
    .replace(/"(created_at|updated_at)":"[^"]*"/g, '"$1":"T"');
}

/** Runs the import benchmark; times in ms, sizes in MB. */
export async function benchImport(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'peer-report-bench-import-'));
  const file = join(dir, 'long-call.rtcstats');
  const dump = makeLongRtcstatsDump(3 * 1024 * 1024);
  writeFileSync(file, dump);
  const store = await openStore({ dataDir: dir });
  try {
    const app = await store.apps.create('bench', 'import bench');
    const target = { accountId: 'bench', appId: app.id };
    // Warm-up (JIT, prepared statements), then measured runs.
    await importDump({ store }, file, target);
    const parse: number[] = [];
    const endToEnd: number[] = [];
    let samples = 0;
    for (let i = 0; i < 5; i++) {
      const [parsed, ms] = await timed(() => parseDump(file));
      parse.push(ms);
      samples = parsed.clients.reduce(
        (n, c) => n + c.batches.reduce((m, b) => m + (b.samples?.length ?? 0), 0),
        0,
      );
      endToEnd.push((await timed(() => importDump({ store }, file, target)))[1]);
    }
    (globalThis as { gc?: () => void }).gc?.();
    const [, heapMb] = await peakHeapMb(() => importDump({ store }, file, target));
    return {
      dump_mb: Math.round((dump.length / 1024 / 1024) * 100) / 100,
      samples,
      parse_3mb_ms_median: Math.round(median(parse)),
      import_3mb_end_to_end_ms_median: Math.round(median(endToEnd)),
      import_3mb_end_to_end_ms_max: Math.round(Math.max(...endToEnd)),
      import_peak_heap_mb: Math.round(heapMb * 10) / 10,
      ...(await benchImportHttp(dump)),
      legacy: await benchLegacyImportHttp(),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // HTTP_ONLY=standard|legacy: only that dump through the HTTP route (a quicker figure while profiling).
  const only = process.env.HTTP_ONLY;
  if (only === 'legacy') console.log(await benchLegacyImportHttp());
  else if (only) console.log(await benchImportHttp(makeLongRtcstatsDump(3 * 1024 * 1024)));
  else console.log(await benchImport());
}

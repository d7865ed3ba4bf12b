/**
 * Developer aid: a CPU profile of the server while it ingests (10 s batches by
 * default). `node --import tsx bench/profile-ingest.ts [batchSeconds] [dir]`
 * writes a .cpuprofile of the server process to `dir` (default /tmp/prof).
 */
import { startBenchServer } from './support.ts';
import { ingestRun } from './ingest-report.ts';

const batchSeconds = Number(process.argv[2] ?? 10);
const dir = process.argv[3] ?? '/tmp/prof';
const s = await startBenchServer({
  BENCH_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${dir}`,
  PEER_REPORT_INGEST_WORKERS: process.env.PEER_REPORT_INGEST_WORKERS ?? '1',
});
try {
  console.log(
    JSON.stringify(
      await ingestRun(s, {
        peers: Number(process.env.P ?? 40),
        minutes: 10,
        batchSeconds,
        concurrency: Number(process.env.C ?? 32),
      }),
    ),
  );
} finally {
  await s.stop();
}

/**
 * Developer aid: the ingest figures alone, quickly (no report, no
 * comparison runs). `node --import tsx bench/quick-ingest.ts` with optional
 * env B (seconds of call per batch, default 10), RUNS (default 2), C (peers
 * in flight, default 128), W (ingest worker threads).
 */
import { startBenchServer } from './support.ts';
import { ingestRun } from './ingest-report.ts';

const env = {
  PEER_REPORT_MERGE_LIVE_EVERY_MS: '86400000',
  ...(process.env.W ? { PEER_REPORT_INGEST_WORKERS: process.env.W } : {}),
};
const s = await startBenchServer(env);
try {
  await ingestRun(s, { peers: 40, minutes: 10, concurrency: 128, batchSeconds: 10 }); // warm-up
  for (let i = 0; i < Number(process.env.RUNS ?? 2); i++) {
    console.log(
      JSON.stringify(
        await ingestRun(s, {
          peers: 200,
          minutes: Number(process.env.B ?? 10) >= 60 ? 20 : 10,
          concurrency: Number(process.env.C ?? 128),
          batchSeconds: Number(process.env.B ?? 10),
        }),
      ),
    );
  }
} finally {
  await s.stop();
}

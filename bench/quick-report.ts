/**
 * Developer aid: the uncached report figures alone (a finished 60-minute
 * peer, compacted). `node --import tsx bench/quick-report.ts [iterations]`.
 */
import { startBenchServer } from './support.ts';
import { reportRun } from './ingest-report.ts';

const s = await startBenchServer({ PEER_REPORT_COMPACT_AFTER_MS: '0', PEER_REPORT_SWEEP_INTERVAL_MS: '500', PEER_REPORT_MERGE_LIVE_EVERY_MS: '1000', PEER_REPORT_REPORT_CACHE_MB: '0' });
try {
  for (let i = 0; i < Number(process.env.RUNS ?? 1); i++) console.log(JSON.stringify(await reportRun(s, Number(process.argv[2] ?? 200), { live: Boolean(process.env.LIVE) })));
} finally {
  await s.stop();
}

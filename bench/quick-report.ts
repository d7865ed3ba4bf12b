/**
 * Developer aid: the uncached report figures alone (a 60-minute peer;
 * finished and compacted, and live first with LIVE=1), on the embedded store
 * or, with PG=1, on a fresh schema of the local PostgreSQL.
 * `node --import tsx bench/quick-report.ts [iterations]`; RUNS repeats, MINUTES sets the call's length (60),
 * CACHE=1 keeps the report cache on, BATCH_BETWEEN=1 adds a live run with a new batch before each request,
 * SETTLED=1 reads the live peer with its chunks merged as a real call's are (all but the last 11 minutes).
 */
import { startBenchServer } from './support.ts';
import { reportRun } from './ingest-report.ts';
import { freshPostgresUrl, dropPostgresSchema } from '../test/support/postgres.ts';

const BASE_URL =
  process.env.PEER_REPORT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pg = process.env.PG ? await freshPostgresUrl(BASE_URL) : undefined;
const s = await startBenchServer({
  PEER_REPORT_COMPACT_AFTER_MS: '0',
  PEER_REPORT_SWEEP_INTERVAL_MS: '500',
  PEER_REPORT_MERGE_LIVE_EVERY_MS: '1000',
  // CACHE=1: the report cache on (the default of a server), off otherwise (every answer assembled).
  PEER_REPORT_REPORT_CACHE_MB: process.env.CACHE ? '128' : '0',
  PEER_REPORT_PEER_TIMEOUT_MS: '86400000',
  ...(pg ? { DATABASE_URL: pg.url } : {}),
  // e.g. `--cpu-prof --cpu-prof-dir=…` for a profile of the server.
  ...(process.env.BENCH_NODE_FLAGS ? { BENCH_NODE_FLAGS: process.env.BENCH_NODE_FLAGS } : {}),
});
try {
  for (let i = 0; i < Number(process.env.RUNS ?? 1); i++)
    console.log(
      JSON.stringify(
        await reportRun(s, Number(process.argv[2] ?? 200), {
          live: Boolean(process.env.LIVE),
          minutes: Number(process.env.MINUTES ?? 60),
          // BATCH_BETWEEN=1: also a live run with a new batch of the call before each request.
          batchBetween: Boolean(process.env.BATCH_BETWEEN),
          // SETTLED=1: the live peer merged as a real call leaves it (all but its last 11 minutes), not as sent.
          settled: Boolean(process.env.SETTLED),
        }),
      ),
    );
} finally {
  await s.stop();
  if (pg && !process.env.KEEP) await dropPostgresSchema(BASE_URL, pg.schema);
  if (pg && process.env.KEEP) console.log('kept schema', pg.schema);
}

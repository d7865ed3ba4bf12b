/**
 * Issue 13 target: diagnosing a finished 60-minute peer adds at most 10 % to
 * its report's p50. Two peers of one session (so blame reads the other's
 * stored summary) send 60 minutes of the lossy-Wi-Fi profile; the same stored
 * data is then served by servers with the diagnosis on and off
 * (`PEER_REPORT_DIAGNOSIS=0`), alternately, uncached, live first and then
 * finished (compacted, diagnosis stored); p50 wall time and the server's CPU per request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBenchServer, round, type BenchServer } from './support.ts';
import { createPeers, measureReport, post } from './ingest-report.ts';
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';
import { openDatabase } from '../src/store/open-database.ts';

const ITERATIONS = Number(process.env.BENCH_DIAGNOSIS_ITERATIONS ?? 150);

/** CPU time (user + system, ms) the server process has used so far (Linux /proc; 0 elsewhere). */
function serverCpuMs(s: BenchServer): number {
  try {
    const fields = fs.readFileSync(`/proc/${s.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / 100); // clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** Deletes the stored report bodies (finished reports' compressed answers) of the bench's store. */
async function dropStoredBodies(dir: string, databaseUrl: string | undefined): Promise<void> {
  const store = await openDatabase({ dataDir: dir, databaseUrl });
  try {
    await store.db.deleteFrom('peer_report_bodies').execute();
  } finally {
    await store.close();
  }
}

/**
 * p50 with and without the diagnosis over `rounds` server starts on the same data, and the server's
 * CPU per request (the warm-up included), which a shared machine inflates far less than wall time.
 * The order alternates between rounds (on/off, then off/on) so that neither mode always runs first.
 */
async function alternate(
  dir: string,
  env: NodeJS.ProcessEnv,
  url: (s: BenchServer) => string,
  token: string,
  rounds: number,
) {
  const on: number[] = [];
  const off: number[] = [];
  const cpuOn: number[] = [];
  const cpuOff: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const diagnosis of r % 2 ? ['0', '1'] : ['1', '0']) {
      // A finished report is served from the body the first request stored: each server starts without one, so
      // it serves its own mode's body (assembled in its warm-up), never the other mode's.
      await dropStoredBodies(dir, env.DATABASE_URL);
      const s = await startBenchServer({ ...env, PEER_REPORT_DIAGNOSIS: diagnosis }, dir);
      try {
        const cpu0 = serverCpuMs(s);
        const m = await measureReport(url(s), token, ITERATIONS);
        const cpu = round((serverCpuMs(s) - cpu0) / (ITERATIONS + 20), 2);
        (diagnosis === '1' ? on : off).push(m.p50Ms);
        (diagnosis === '1' ? cpuOn : cpuOff).push(cpu);
      } finally {
        await s.stop();
      }
    }
  }
  const best = (v: number[]) => Math.min(...v);
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  return {
    p50MsWith: on,
    p50MsWithout: off,
    addedPctOfMedians: round(((median(on) - median(off)) / median(off)) * 100, 1),
    addedPctOfBest: round(((best(on) - best(off)) / best(off)) * 100, 1),
    serverCpuMsPerRequestWith: cpuOn,
    serverCpuMsPerRequestWithout: cpuOff,
    addedCpuPctOfMedians: round(((median(cpuOn) - median(cpuOff)) / median(cpuOff)) * 100, 1),
    loadAverage: os.loadavg().map((x) => round(x, 1)),
  };
}

/** Runs the diagnosis cost benchmark on the embedded store (or `env.DATABASE_URL`). */
export async function benchDiagnosis(
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-bench-diagnosis-'));
  const common = {
    ...env,
    PEER_REPORT_REPORT_CACHE_MB: '0',
    PEER_REPORT_SWEEP_INTERVAL_MS: '500',
    PEER_REPORT_PEER_TIMEOUT_MS: '86400000',
    PEER_REPORT_MERGE_LIVE_EVERY_MS: '1000',
    PEER_REPORT_COMPACT_AFTER_MS: '86400000',
  };
  try {
    const startMs = Date.now() - 60 * 60_000;
    const first = await startBenchServer(common, dir);
    const { accountId, appId, token } = first;
    const peers = await createPeers(first, 2, startMs);
    try {
      for (const [n, peer] of peers.entries()) {
        const others = peers.filter((p) => p !== peer).map((p) => p.peerId);
        for (const b of syntheticBatches({
          profile: CALL_PROFILES['lossy-wifi'],
          startMs,
          minutes: 60,
          batchSeconds: 10,
          seed: 42 + n,
          remotePeerIds: others,
          batchIdPrefix: `${peer.peerId}-`,
        })) {
          const r = await post(
            `${first.url}/ingest/v1/peers/${peer.peerId}/batches`,
            peer.token,
            JSON.stringify(b),
          );
          if (r.status !== 200) throw new Error(`ingest failed ${r.status}`);
        }
      }
      await new Promise((r) => setTimeout(r, 3000)); // live merging
    } finally {
      await first.stop();
    }
    const url = (s: BenchServer) =>
      `${s.url}/client/v4/accounts/${accountId}/realtime/kit/${appId}/sessions/peer-report/${peers[0].peerId}`;
    const live = await alternate(
      dir,
      common,
      url,
      token,
      Number(process.env.BENCH_DIAGNOSIS_LIVE_ROUNDS ?? 2),
    );
    // Both leave; a server that compacts at once stores the aggregates and the diagnosis.
    const closer = await startBenchServer({ ...common, PEER_REPORT_COMPACT_AFTER_MS: '0' }, dir);
    try {
      for (const p of peers)
        await post(`${closer.url}/ingest/v1/peers/${p.peerId}/leave`, p.token, '{}');
      // Until compaction has stored both peers' diagnoses (and their final form, once both are done).
      const store = await openDatabase({ dataDir: dir, databaseUrl: env.DATABASE_URL });
      try {
        for (let waited = 0; ; waited += 250) {
          const done = await store.db
            .selectFrom('peers')
            .select('id')
            .where(
              'id',
              'in',
              peers.map((p) => p.peerId),
            )
            .where('diagnosis_final', 'is not', null)
            .execute();
          if (done.length === peers.length) break;
          if (waited > 120_000)
            throw new Error('compaction did not store the diagnoses within 2 minutes');
          await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        await store.close();
      }
    } finally {
      await closer.stop();
    }
    const finished = await alternate(
      dir,
      common,
      url,
      token,
      Number(process.env.BENCH_DIAGNOSIS_ROUNDS ?? 3),
    );
    return { iterations: ITERATIONS, live_60min_peer: live, finished_60min_peer: finished };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

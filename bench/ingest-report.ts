/**
 * Issue 2 targets: ingest ≥ 50,000 samples/s over HTTP into the embedded
 * store, and the report of a 60-minute call (audio + video, producer +
 * consumer, a sample every 2 s) in p50 ≤ 20 ms, p99 ≤ 50 ms and ≤ 1.5× the
 * time `JSON.stringify` alone takes for the same response object.
 * Load comes from the same generator as `peer-report simulate`.
 */
import http from 'node:http';
import {
  startBenchServer,
  pct,
  round,
  pool,
  processCpuSeconds,
  machineCpuSeconds,
  type BenchServer,
} from './support.ts';
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';
import type { TelemetryBatch } from '../src/model/telemetry.ts';
import { LATE_BATCH_SETTLE_MS } from '../src/store/chunk-compaction.ts';

/** A settled live peer's unmerged tail: 11 minutes of 10 s batches (10 between merges + the minute's settle). */
const SETTLED_TAIL_BATCHES = 66;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(
  url: string,
  token: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', (e) => reject(new Error(`POST ${new URL(url).pathname}: ${e.message}`)));
    req.end(body);
  });
}

function get(
  url: string,
  token: string,
  acceptEncoding = 'identity',
): Promise<{ status: number; text: string; ms: number; wireBytes: number; coding?: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(
        url,
        { agent, headers: { authorization: `Bearer ${token}`, 'accept-encoding': acceptEncoding } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - started; // time to the last byte (decoding it is the client's cost)
            const body = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              text: res.headers['content-encoding'] ? '' : body.toString(),
              ms,
              wireBytes: body.length,
              coding: res.headers['content-encoding'],
            });
          });
        },
      )
      .on('error', (e) =>
        reject(
          new Error(
            `GET ${new URL(url).pathname} (accept-encoding ${acceptEncoding}): ${e.message}`,
          ),
        ),
      );
  });
}

/** The same report asked for in `coding`: bytes on the wire and time to the last byte. */
async function measureCompressedReport(
  url: string,
  token: string,
  iterations: number,
  coding: 'br' | 'gzip',
  pid?: number,
) {
  // The first answer (a finished report's is assembled, compressed and stored), then warm-up.
  const firstMs = round((await get(url, token, coding)).ms);
  for (let i = 0; i < 20; i++) await get(url, token, coding);
  const times: number[] = [];
  let wireBytes = 0;
  const cpu0 = pid ? processCpuSeconds(pid) : 0;
  for (let i = 0; i < iterations; i++) {
    const r = await get(url, token, coding);
    if (r.status !== 200 || r.coding !== coding)
      throw new Error(`report in ${coding} failed: ${r.status} ${r.coding}`);
    times.push(r.ms);
    wireBytes = r.wireBytes;
  }
  // Server CPU per answer: steadier than wall time on a shared machine (zlib's thread pool included).
  const serverCpuMs = pid
    ? round(((processCpuSeconds(pid) - cpu0) * 1000) / iterations)
    : undefined;
  return {
    wireBytes,
    firstMs,
    p50Ms: round(pct(times, 50)),
    p99Ms: round(pct(times, 99)),
    serverCpuMs,
  };
}

export async function createPeers(
  s: BenchServer,
  n: number,
  joinedAt: number,
): Promise<{ peerId: string; token: string }[]> {
  const base = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}`;
  const meeting = JSON.parse(
    (await post(`${base}/meetings`, s.token, JSON.stringify({ title: 'bench' }))).text,
  ).data.id;
  const peers = [];
  for (let i = 0; i < n; i++) {
    const p = JSON.parse(
      (
        await post(
          `${base}/meetings/${meeting}/participants`,
          s.token,
          JSON.stringify({
            custom_participant_id: `u${i}`,
            preset_name: 'host',
            name: `User ${i}`,
          }),
        )
      ).text,
    ).data;
    const j = JSON.parse(
      (
        await post(
          `${s.url}/ingest/v1/join`,
          p.token,
          JSON.stringify({
            joined_at: joinedAt,
            client: {
              user_agent:
                'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
            },
          }),
        )
      ).text,
    ).data;
    peers.push({ peerId: j.peer_id as string, token: p.token as string });
  }
  return peers;
}

/** Sends pre-generated batches of `peers` peers, each peer's batches in order, `concurrency` peers at a time. */
export async function ingestRun(
  s: BenchServer,
  opts: {
    peers: number;
    minutes: number;
    batchSeconds: number;
    concurrency: number;
    urls?: string[];
    /** Each peer's batches all to one process (a sticky balancer) instead of to each in turn. */
    sticky?: boolean;
  },
) {
  // With several server processes (`urls`), a peer's batches go to each in turn, as behind a round-robin load
  // balancer (or, `sticky`, all to one).
  const urls = opts.urls ?? [s.url];
  const startMs = Date.now() - opts.minutes * 60_000;
  // Bodies first: generating them takes longer than the server keeps idle connections.
  const bodies = Array.from({ length: opts.peers }, (_, i) =>
    [
      ...syntheticBatches({
        profile: CALL_PROFILES['lossy-wifi'],
        startMs,
        minutes: opts.minutes,
        batchSeconds: opts.batchSeconds,
        seed: i + 1,
        batchIdPrefix: `bench-peer-${i}-`,
      }),
    ].map((b: TelemetryBatch) => ({ body: JSON.stringify(b), samples: b.samples?.length ?? 0 })),
  );
  const peers = await createPeers(s, opts.peers, startMs);
  const total = bodies.flat().reduce((a, b) => a + b.samples, 0);
  const requests = bodies.flat().length;
  const cpu0 = {
    server: processCpuSeconds(s.child.pid!),
    bench: processCpuSeconds('self'),
    machine: machineCpuSeconds(),
  };
  const started = performance.now();
  await pool(
    peers.map((p, i) => async () => {
      for (const [k, b] of bodies[i].entries()) {
        const url = `${urls[(opts.sticky ? i : i + k) % urls.length]}/ingest/v1/peers/${p.peerId}/batches`;
        // A kept-alive connection the server just closed: resend, as the collector does (batches are idempotent).
        const r = await post(url, p.token, b.body).catch((e: NodeJS.ErrnoException) =>
          e.code === 'ECONNRESET' ? post(url, p.token, b.body) : Promise.reject(e),
        );
        if (r.status !== 200) throw new Error(`ingest failed ${r.status}: ${r.text.slice(0, 200)}`);
      }
    }),
    opts.concurrency,
  );
  const seconds = (performance.now() - started) / 1000;
  const machine = machineCpuSeconds();
  // Where the CPU went: per request, in the (first) server process and in this load generator; and how busy the machine was.
  const cpu = {
    serverCpuMsPerRequest: round(
      ((processCpuSeconds(s.child.pid!) - cpu0.server) * 1000) / requests,
      3,
    ),
    benchCpuMsPerRequest: round(((processCpuSeconds('self') - cpu0.bench) * 1000) / requests, 3),
    machineBusy: round(
      1 - (machine.idle - cpu0.machine.idle) / (machine.total - cpu0.machine.total),
    ),
  };
  return {
    samples: total,
    requests,
    seconds: round(seconds, 3),
    samplesPerSecond: Math.round(total / seconds),
    requestsPerSecond: Math.round(requests / seconds),
    ...cpu,
  };
}

/** Latency of `iterations` report requests, against JSON.stringify of the same object. */
export async function measureReport(
  url: string,
  token: string,
  iterations: number,
  pid?: number,
  /** Runs (untimed, its CPU not counted) before each request, warm-up included. */
  before?: () => Promise<void>,
) {
  for (let i = 0; i < 20; i++) {
    await before?.();
    await get(url, token); // warm-up
  }
  const times: number[] = [];
  // The server's CPU over the whole loop (background work included); with `before`, over the requests alone.
  let cpuSeconds = 0;
  const loop0 = pid ? processCpuSeconds(pid) : 0;
  let text = '';
  for (let i = 0; i < iterations; i++) {
    await before?.();
    const cpu0 = pid ? processCpuSeconds(pid) : 0;
    const r = await get(url, token);
    if (pid) cpuSeconds += processCpuSeconds(pid) - cpu0;
    if (r.status !== 200) throw new Error(`report failed ${r.status}`);
    times.push(r.ms);
    text = r.text;
  }
  if (pid && !before) cpuSeconds = processCpuSeconds(pid) - loop0;
  const serverCpuMs = pid ? round((cpuSeconds * 1000) / iterations) : undefined;
  const obj = JSON.parse(text);
  const q = obj.data.participant.peer_report.quality;
  const stringifyTimes: number[] = [];
  for (let i = 0; i < 20; i++) JSON.stringify(obj);
  for (let i = 0; i < Math.min(iterations, 100); i++) {
    const t0 = performance.now();
    JSON.stringify(obj);
    stringifyTimes.push(performance.now() - t0);
  }
  // The JSON work above can outlast the server's keep-alive timeout: the next request opens fresh sockets.
  agent.destroy();
  const p50 = pct(times, 50);
  const stringifyP50 = pct(stringifyTimes, 50);
  return {
    bytes: text.length,
    samplesInReport:
      q.audio_producer.length +
      q.audio_consumer.length +
      q.video_producer.length +
      q.video_consumer.length,
    p50Ms: round(p50),
    p99Ms: round(pct(times, 99)),
    stringifyP50Ms: round(stringifyP50),
    ratioToStringify: round(p50 / stringifyP50),
    serverCpuMs,
  };
}

const cpuRatio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b ? round(a / b) : undefined;

/**
 * Report latency for one 60-minute peer: while it is live (one stored chunk
 * per stream per batch), then after it left and the server compacted its
 * chunks (the state of every finished call a minute after it ends; the
 * server must run with PEER_REPORT_COMPACT_AFTER_MS=0 and a short sweep).
 */
export async function reportRun(
  s: BenchServer,
  iterations: number,
  opts: { live?: boolean; minutes?: number; batchBetween?: boolean; settled?: boolean } = {},
) {
  const minutes = opts.minutes ?? 60;
  const startMs = Date.now() - minutes * 60_000;
  const [peer] = await createPeers(s, 1, startMs);
  const batches = [
    ...syntheticBatches({
      profile: CALL_PROFILES['lossy-wifi'],
      startMs,
      minutes,
      batchSeconds: 10,
      seed: 42,
      batchIdPrefix: `${peer.peerId}-`,
    }),
  ];
  // batchBetween: the call's last batches are held back, one sent before each live request (a report cache
  // never answers those requests from before the batch).
  // settled: the live peer's chunks as a real call leaves them. The bench sends a call in seconds, so no chunk is
  // old enough to merge (LATE_BATCH_SETTLE_MS) and a live 120-minute peer would be read as 2,880 chunk rows. A real
  // call is merged every PEER_REPORT_MERGE_LIVE_EVERY_MS (10 minutes) once chunks are a minute old, so it carries
  // at most the last 11 minutes unmerged, just before a merge (its worst case): the call but those minutes is sent,
  // the bench waits out the settle time for the server's merge, then sends the rest.
  const tail =
    opts.live && opts.settled
      ? batches.splice(-Math.max(SETTLED_TAIL_BATCHES, iterations + 20))
      : [];
  const pending = tail.length > 0 ? tail : batches;
  const held = opts.live && opts.batchBetween ? pending.splice(-(iterations + 20)) : [];
  const postBatch = async (b: (typeof batches)[number]) => {
    const r = await post(
      `${s.url}/ingest/v1/peers/${peer.peerId}/batches`,
      peer.token,
      JSON.stringify(b),
    );
    if (r.status !== 200) throw new Error(`ingest failed ${r.status}`);
  };
  for (const b of batches) await postBatch(b);
  if (tail.length > 0) {
    await new Promise((r) => setTimeout(r, LATE_BATCH_SETTLE_MS + 5_000));
    for (const b of tail) await postBatch(b);
  }
  const url = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}/sessions/peer-report/${peer.peerId}`;
  const liveAfterBatch =
    held.length > 0
      ? await measureReport(url, s.token, iterations, s.child.pid, () => postBatch(held.shift()!))
      : undefined;
  // A live report is assembled and compressed per request (brotli at the per-request quality).
  const liveBrotli = opts.live
    ? await measureCompressedReport(url, s.token, iterations, 'br', s.child.pid)
    : undefined;
  const liveIdentity = opts.live
    ? await measureReport(url, s.token, iterations, s.child.pid)
    : undefined;
  const live =
    liveIdentity && liveBrotli
      ? {
          ...liveIdentity,
          brotli: liveBrotli,
          brotliP50RatioToIdentity: round(liveBrotli.p50Ms / liveIdentity.p50Ms),
          brotliCpuRatioToIdentity: cpuRatio(liveBrotli.serverCpuMs, liveIdentity.serverCpuMs),
        }
      : undefined;
  // The call ends: a finished peer's report is immutable (and cacheable when the cache is on).
  await post(`${s.url}/ingest/v1/peers/${peer.peerId}/leave`, peer.token, '{}');
  // The sweeper compacts it (REPORT_SETTLE_MS: longer on a loaded machine, where the compaction's steps, each a
  // new version of the report, can still be running when the measurement starts).
  await new Promise((r) => setTimeout(r, Number(process.env.REPORT_SETTLE_MS ?? 2000)));
  // The compressed answers first: measureReport ends with seconds of client-side JSON work, after which the
  // agent's idle keep-alive sockets are past the server's 5 s keep-alive timeout.
  const brotli = await measureCompressedReport(url, s.token, iterations, 'br', s.child.pid);
  const gzip = await measureCompressedReport(url, s.token, iterations, 'gzip', s.child.pid);
  const identity = await measureReport(url, s.token, iterations, s.child.pid);
  const finished = {
    ...identity,
    brotli,
    gzip,
    brotliP50RatioToIdentity: round(brotli.p50Ms / identity.p50Ms),
    brotliCpuRatioToIdentity: cpuRatio(brotli.serverCpuMs, identity.serverCpuMs),
  };
  return live ? { live, ...(liveAfterBatch ? { liveAfterBatch } : {}), finished } : finished;
}

/** Runs the issue-2 benchmarks on the embedded store (or `env.DATABASE_URL`). */
export async function benchIngestReport(
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const compact = { PEER_REPORT_COMPACT_AFTER_MS: '0', PEER_REPORT_SWEEP_INTERVAL_MS: '500' };
  // Ingest figures without background merging of the live peers' chunks. Load:
  // 200 peers, 128 of them sending at once (each peer's batches in order, the
  // next one after the previous was acknowledged), after a warm-up run.
  const load = { peers: 200, minutes: 10, concurrency: 128 };
  const s = await startBenchServer({
    ...env,
    ...compact,
    PEER_REPORT_MERGE_LIVE_EVERY_MS: '86400000',
  });
  try {
    await ingestRun(s, { ...load, peers: 40, batchSeconds: 10 }); // warm-up (JIT, caches)
    out.ingest_batches_of_10s = await ingestRun(s, { ...load, batchSeconds: 10 });
    out.ingest_batches_of_60s = await ingestRun(s, { ...load, minutes: 20, batchSeconds: 60 });
    out.ingest_batches_of_10s_32_in_flight = await ingestRun(s, {
      ...load,
      peers: 40,
      concurrency: 32,
      batchSeconds: 10,
    });
    out.report_60min_peer_cached = await reportRun(s, 200);
  } finally {
    await s.stop();
  }
  // The same without ingest worker threads (everything on the event loop), for comparison.
  const inline = await startBenchServer({
    ...env,
    ...compact,
    PEER_REPORT_MERGE_LIVE_EVERY_MS: '86400000',
    PEER_REPORT_INGEST_WORKERS: '0',
  });
  try {
    await ingestRun(inline, { ...load, peers: 40, batchSeconds: 10 });
    out.ingest_batches_of_10s_no_workers = await ingestRun(inline, { ...load, batchSeconds: 10 });
    out.ingest_batches_of_60s_no_workers = await ingestRun(inline, {
      ...load,
      minutes: 20,
      batchSeconds: 60,
    });
  } finally {
    await inline.stop();
  }
  // The honest figure: every request assembles the report from the database.
  // Time is compressed (60 minutes ingested in seconds), so live merging runs every second instead of every 10 minutes.
  const cold = await startBenchServer({
    ...env,
    ...compact,
    PEER_REPORT_MERGE_LIVE_EVERY_MS: '1000',
    PEER_REPORT_REPORT_CACHE_MB: '0',
    // The live peer stays live while it is measured, however slow the shared machine makes the ingest.
    PEER_REPORT_PEER_TIMEOUT_MS: '86400000',
  });
  try {
    out.report_60min_peer_uncached = await reportRun(cold, 200, { live: true });
  } finally {
    await cold.stop();
  }
  return out;
}

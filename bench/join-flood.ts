/**
 * A join flood against other peers' ingest (issue 11, item 5): one participant
 * sends joins as fast as 4 connections allow while 8 other peers upload
 * their batches at a steady pace. Measures those peers' batch p50 without the
 * flood and with it, and their ratio (must stay within 2x), with the server's
 * default limits (per-participant rate limit and live-peer cap) and, for
 * comparison, with both disabled (the server as it was).
 */
import http from 'node:http';
import { startBenchServer, pct, round, type BenchServer } from './support.ts';
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const PHASE_MS = Number(process.env.FLOOD_PHASE_MS ?? 10_000);
const STEADY_PEERS = 8;
const FLOOD_CONNECTIONS = 4;

function post(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
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
    req.on('error', reject);
    req.end(body);
  });
}

async function participant(s: BenchServer, meeting: string, i: number): Promise<string> {
  const base = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}`;
  return JSON.parse(
    (
      await post(
        `${base}/meetings/${meeting}/participants`,
        s.token,
        JSON.stringify({ custom_participant_id: `u${i}`, preset_name: 'host' }),
      )
    ).text,
  ).data.token;
}

/** Steady peers' batch latencies (ms) over `ms`, each peer one batch every 250 ms. */
async function steadyLoad(
  s: BenchServer,
  peers: { peerId: string; token: string; bodies: string[]; next: number }[],
  ms: number,
): Promise<number[]> {
  const latencies: number[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    peers.map(async (p) => {
      while (Date.now() < until && p.next < p.bodies.length) {
        const t0 = performance.now();
        const r = await post(
          `${s.url}/ingest/v1/peers/${p.peerId}/batches`,
          p.token,
          p.bodies[p.next],
        );
        if (r.status !== 200) throw new Error(`steady batch: ${r.status} ${r.text.slice(0, 200)}`);
        latencies.push(performance.now() - t0);
        p.next++;
        await new Promise((res) => setTimeout(res, 250));
      }
    }),
  );
  return latencies;
}

async function run(env: NodeJS.ProcessEnv) {
  const s = await startBenchServer(env);
  try {
    const base = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}`;
    const meeting = JSON.parse(
      (await post(`${base}/meetings`, s.token, JSON.stringify({ title: 'flood' }))).text,
    ).data.id;
    const startMs = Date.now() - 60 * 60_000;
    const peers = [];
    for (let i = 0; i < STEADY_PEERS; i++) {
      const token = await participant(s, meeting, i);
      const j = JSON.parse(
        (await post(`${s.url}/ingest/v1/join`, token, JSON.stringify({ joined_at: startMs }))).text,
      ).data;
      const bodies = [
        ...syntheticBatches({
          profile: CALL_PROFILES['lossy-wifi'],
          startMs,
          minutes: 50,
          batchSeconds: 10,
          seed: i + 1,
          batchIdPrefix: `steady-${i}-`,
        }),
      ].map((b) => JSON.stringify(b));
      peers.push({ peerId: j.peer_id as string, token, bodies, next: 0 });
    }
    const flooder = await participant(s, meeting, 999);
    await steadyLoad(s, peers, 2_000); // warm-up
    const normal = await steadyLoad(s, peers, PHASE_MS);
    let flooding = true;
    const flood = { joins_accepted: 0, joins_refused_429: 0, other: 0 };
    const floodDone = Promise.all(
      Array.from({ length: FLOOD_CONNECTIONS }, async () => {
        while (flooding) {
          const r = await post(`${s.url}/ingest/v1/join`, flooder, '{}');
          if (r.status === 201) flood.joins_accepted++;
          else if (r.status === 429) flood.joins_refused_429++;
          else flood.other++;
        }
      }),
    );
    const flooded = await steadyLoad(s, peers, PHASE_MS);
    flooding = false;
    await floodDone;
    const p50 = { normal: round(pct(normal, 50)), flooded: round(pct(flooded, 50)) };
    return {
      steady_batches: { normal: normal.length, flooded: flooded.length },
      batch_p50_ms: p50,
      batch_p90_ms: { normal: round(pct(normal, 90)), flooded: round(pct(flooded, 90)) },
      p50_ratio: round(p50.flooded / p50.normal),
      flood,
    };
  } finally {
    await s.stop();
  }
}

/** The bench: default limits, then no limits. */
export async function benchJoinFlood(): Promise<Record<string, unknown>> {
  return {
    phase_seconds: PHASE_MS / 1000,
    with_default_limits: await run({}),
    without_limits: await run({
      PEER_REPORT_INGEST_RATE: '0',
      PEER_REPORT_JOIN_RATE: '0',
      PEER_REPORT_MAX_LIVE_PEERS: '0',
    }),
  };
}

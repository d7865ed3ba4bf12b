/**
 * Developer aid: what each compression setting does to a live 60-minute report (the body a live peer's report
 * request compresses per request), on this machine, in this process: bytes and CPU ms per compression (median
 * of RUNS, default 5), next to the time of `JSON.stringify` of the same object as the yardstick of the
 * identity answer. `node --import tsx bench/quick-compression-levels.ts`.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { startBenchServer, pct, round } from './support.ts';
import { createPeers, post } from './ingest-report.ts';
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';

const runs = Number(process.env.RUNS ?? 5);
const s = await startBenchServer({ PEER_REPORT_MERGE_LIVE_EVERY_MS: '1000' });
try {
  const startMs = Date.now() - 60 * 60_000;
  const [peer] = await createPeers(s, 1, startMs);
  for (const b of syntheticBatches({
    profile: CALL_PROFILES['lossy-wifi'],
    startMs,
    minutes: 60,
    batchSeconds: 10,
    seed: 42,
    batchIdPrefix: `${peer.peerId}-`,
  })) {
    const r = await post(
      `${s.url}/ingest/v1/peers/${peer.peerId}/batches`,
      peer.token,
      JSON.stringify(b),
    );
    if (r.status !== 200) throw new Error(`ingest failed ${r.status}`);
  }
  const url = `${s.url}/client/v4/accounts/${s.accountId}/realtime/kit/${s.appId}/sessions/peer-report/${peer.peerId}`;
  const body = await new Promise<Buffer>((resolve, reject) =>
    http
      .get(url, { headers: { authorization: `Bearer ${s.token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject),
  );
  const time = (f: () => unknown) => {
    const ms: number[] = [];
    let out: unknown;
    for (let i = 0; i < runs; i++) {
      const t0 = process.cpuUsage();
      out = f();
      const d = process.cpuUsage(t0);
      ms.push((d.user + d.system) / 1000);
    }
    return { ms: round(pct(ms, 50)), out };
  };
  const obj = JSON.parse(body.toString());
  const results: Record<string, unknown>[] = [
    {
      coding: 'identity (JSON.stringify of the same object)',
      bytes: body.length,
      cpuMs: time(() => JSON.stringify(obj)).ms,
    },
  ];
  const br =
    (quality: number, lgwin = 22) =>
    () =>
      zlib.brotliCompressSync(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
          [zlib.constants.BROTLI_PARAM_LGWIN]: lgwin,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      });
  for (const [name, f] of [
    ['brotli 1', br(1)],
    ['brotli 2', br(2)],
    ['brotli 3', br(3)],
    ['brotli 3, lgwin 24', br(3, 24)],
    ['brotli 4', br(4)],
    ['brotli 4, lgwin 24', br(4, 24)],
    ['brotli 5', br(5)],
    ['gzip 1', () => zlib.gzipSync(body, { level: 1 })],
    ['gzip 4', () => zlib.gzipSync(body, { level: 4 })],
    ['gzip 6', () => zlib.gzipSync(body, { level: 6 })],
  ] as const) {
    const r = time(f);
    results.push({ coding: name, bytes: (r.out as Buffer).length, cpuMs: r.ms });
  }
  console.log(JSON.stringify({ reportBytes: body.length, runs, results }, null, 1));
} finally {
  await s.stop();
}

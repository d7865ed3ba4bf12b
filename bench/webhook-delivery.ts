/**
 * Issue 17 target: webhook delivery at ≥ 1,000 events/s to a local receiver
 * on 2 cores, without slowing ingest by more than 10 %.
 *
 * The receiver runs in a child process of its own (its answers must not wait
 * on this process's load generation).
 * The server runs in its own process (delivery on, loopback targets allowed).
 * Events are written straight into its outbox (the rows a join's transaction
 * writes, with a real `meeting.participantJoined` body), and the receiver
 * answers 200 and counts them.
 * - throughput: a backlog of events for one webhook, then for four, timed from
 *   the first to the last arrival (one webhook is sent to strictly in order,
 *   one request at a time);
 * - rsa: the CPU of one RSA-2048 signature (the scheme's bound), in this process;
 * - fixed load (the target's measurement, bench/webhook-fixed-load.ts): ingest at
 *   a fixed offered load, alone and while 1,000 events/s are recorded and
 *   delivered, alternating in one run: server CPU and batch latency;
 * - ingest impact (saturated, context): the ingest run of `ingest-report` alone, then the same run
 *   while a backlog of events is delivered at full speed (the worst case:
 *   delivery as fast as it goes, not only 1,000/s); compared by samples/s;
 *   once with delivery in the ingest process, once in a process of its own.
 */
import { randomUUID } from 'node:crypto';
import { startBenchServer, round, processCpuSeconds, type BenchServer } from './support.ts';
import { spawnServerProcess } from '../test/support/server-process.ts';
import { startReceiverProcess, type ReceiverProcess } from '../test/support/receiver-process.ts';
import { pendingDeliveries } from '../test/support/outbox-rows.ts';
import { ingestRun } from './ingest-report.ts';
import { openDatabase, type OpenDatabase } from '../src/store/open-database.ts';
import { createWebhook } from '../src/store/webhooks.ts';
import { participantBody } from '../src/webhooks/event-payloads.ts';
import { fixedLoadImpact } from './webhook-fixed-load.ts';
import { rsaSignBound } from './rsa-sign-bound.ts';

const body = JSON.stringify(
  participantBody('meeting.participantJoined', {
    app: { id: randomUUID(), name: 'bench' },
    meeting: { id: randomUUID(), title: 'Bench call', created_at: Date.now() },
    session: { id: randomUUID(), started_at: Date.now(), ended_at: null, status: 'LIVE' },
    participant: { name: 'Bench user', custom_participant_id: 'bench-1' },
    peer: { id: randomUUID(), account_id: 'benchaccount', joined_at: Date.now(), left_at: null },
  }),
);

/** Writes `n` events for each of `hooks` into the outbox, in transactions of 500. */
async function enqueue(
  db: OpenDatabase,
  s: BenchServer,
  hooks: string[],
  n: number,
): Promise<void> {
  for (let done = 0; done < n; done += 500) {
    const k = Math.min(500, n - done);
    await db.db.transaction().execute(async (tx) => {
      const rows = pendingDeliveries(s, hooks, k, body);
      for (let i = 0; i < rows.length; i += 200)
        await tx
          .insertInto('webhook_deliveries')
          .values(rows.slice(i, i + 200))
          .execute();
    });
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Ingest alone, then with a backlog of events delivered at full speed
 * meanwhile (one webhook), alternating, twice; compared by samples/s.
 */
async function ingestImpact(s: BenchServer, db: OpenDatabase, hook: string, rx: ReceiverProcess) {
  const ingestOpts = { peers: 100, minutes: 10, concurrency: 64, batchSeconds: 10 };
  // One retry of a run that lost a connection (a busy shared machine resets some).
  const ingest = async () =>
    (await ingestRun(s, ingestOpts).catch(() => ingestRun(s, ingestOpts))).samplesPerSecond;
  const setEnabled = (on: boolean) =>
    db.db
      .updateTable('webhooks')
      .set({ enabled: on ? 1 : 0 })
      .execute();
  await setEnabled(false);
  await ingestRun(s, { ...ingestOpts, peers: 20 }); // warm-up
  const alone: number[] = [];
  const withDelivery: number[] = [];
  let delivered = 0;
  let deliveredSeconds = 0;
  for (let i = 0; i < 2; i++) {
    // Alone: no webhook enabled, so the joins of the run record nothing either.
    alone.push(await ingest());
    // With: a backlog written while the webhook is off, then delivery starts with the ingest run.
    await enqueue(db, s, [hook], 20_000);
    rx.reset();
    await db.db.updateTable('webhooks').set({ enabled: 1 }).where('id', '=', hook).execute();
    const t0 = performance.now();
    withDelivery.push(await ingest());
    deliveredSeconds += (performance.now() - t0) / 1000;
    delivered += rx.count();
    console.error(
      `webhook-delivery: ingest alone ${alone.at(-1)} samples/s, with delivery ${withDelivery.at(-1)} (${rx.count()} delivered meanwhile)`,
    );
    // What is left of the backlog is dropped: the next run starts clean.
    await setEnabled(false);
    await db.db.deleteFrom('webhook_deliveries').where('status', '=', 'pending').execute();
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    samplesPerSecondAlone: alone,
    samplesPerSecondWithDelivery: withDelivery,
    deliveredPerSecondDuringIngest: Math.round(delivered / deliveredSeconds),
    slowdownPercent: round((1 - mean(withDelivery) / mean(alone)) * 100, 1),
  };
}

/** Runs the webhook delivery benchmark. */
export async function benchWebhookDelivery() {
  const env = {
    PEER_REPORT_WEBHOOK_ALLOW_PRIVATE: 'loopback',
    PEER_REPORT_WEBHOOK_POLL_MS: '50',
    PEER_REPORT_MERGE_LIVE_EVERY_MS: '86400000',
    // The fixed-load peers are created long before their last batch on a busy machine: they must not time out.
    PEER_REPORT_PEER_TIMEOUT_MS: '3600000',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    // e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the delivering server.
    ...(process.env.BENCH_NODE_FLAGS ? { BENCH_NODE_FLAGS: process.env.BENCH_NODE_FLAGS } : {}),
    // e.g. `normal`: whether the commit's fsync on the server's main thread is what holds delivery back.
    ...(process.env.PEER_REPORT_SQLITE_SYNCHRONOUS
      ? { PEER_REPORT_SQLITE_SYNCHRONOUS: process.env.PEER_REPORT_SQLITE_SYNCHRONOUS }
      : {}),
  };
  // Parts: `throughput` (delivery alone, full speed), `rsa` (the signing bound, in this process), `fixed-load`
  // (ingest at a fixed offered load with and without 1,000 events/s delivered: the target's measurement),
  // `fixed-load-loop` (the same with delivery on the server's event loop, `PEER_REPORT_WEBHOOK_THREAD=0`: the
  // baseline of the delivery thread, in the same run), `fixed-load-separate` (delivery in a second process),
  // `impact` (saturating ingest with a backlog delivered at full speed: context; long).
  const parts = (
    process.env.BENCH_WEBHOOK_PARTS ?? 'throughput,rsa,fixed-load,fixed-load-loop,impact'
  ).split(',');
  const s = await startBenchServer(env);
  const rx = await startReceiverProcess();
  const db = await openDatabase({ dataDir: s.dataDir, databaseUrl: env.DATABASE_URL });
  try {
    const hooks = [];
    for (let i = 0; i < 4; i++)
      hooks.push(
        (
          await createWebhook(db.db, s.accountId, s.appId, {
            name: `bench ${i}`,
            url: `${rx.url}?h=${i}`,
            events: ['meeting.participantJoined'],
            enabled: true,
          })
        ).id,
      );

    const throughput = async (targets: string[], events: number) => {
      rx.reset();
      const cpu0 = processCpuSeconds(s.child.pid!);
      await enqueue(db, s, targets, events);
      await until(() => rx.count() >= events * targets.length, 120_000, 'deliveries');
      const seconds = rx.span();
      return {
        webhooks: targets.length,
        deliveries: events * targets.length,
        seconds: round(seconds, 2),
        deliveriesPerSecond: Math.round((events * targets.length) / seconds),
        serverCpuMsPerDelivery: round(
          ((processCpuSeconds(s.child.pid!) - cpu0) * 1000) / (events * targets.length),
          3,
        ),
      };
    };
    await throughput([hooks[0]], 500); // warm-up
    const oneWebhook = await throughput([hooks[0]], 5_000);
    console.error('webhook-delivery: one webhook', JSON.stringify(oneWebhook));
    const fourWebhooks = await throughput(hooks, 2_500);
    console.error('webhook-delivery: four webhooks', JSON.stringify(fourWebhooks));

    const rsa = parts.includes('rsa') ? rsaSignBound(body) : undefined;
    if (rsa) console.error('webhook-delivery: RSA signing bound', JSON.stringify(rsa));
    const fixedOpts = {
      peers: Number(process.env.BENCH_WEBHOOK_PEERS ?? 200),
      batchIntervalMs: Number(process.env.BENCH_WEBHOOK_BATCH_INTERVAL_MS ?? 2_000),
      phaseSeconds: Number(process.env.BENCH_WEBHOOK_PHASE_SECONDS ?? 20),
      eventsPerSecond: Number(process.env.BENCH_WEBHOOK_EVENTS_PER_SECOND ?? 1_000),
      enqueueEveryMs: Number(process.env.BENCH_WEBHOOK_ENQUEUE_MS ?? 1_000),
    };
    const fixedLoad = parts.includes('fixed-load')
      ? await fixedLoadImpact(s, db, hooks[0], rx, body, fixedOpts)
      : undefined;

    /** Runs `f` against a server of its own started with `serverEnv`, and one webhook to the receiver. */
    const withServer = async <T>(
      serverEnv: Record<string, string>,
      f: (si: BenchServer, dbi: OpenDatabase, hook: string) => Promise<T>,
    ): Promise<T> => {
      const si = await startBenchServer(serverEnv);
      const dbi = await openDatabase({ dataDir: si.dataDir, databaseUrl: env.DATABASE_URL });
      try {
        const hook = (
          await createWebhook(dbi.db, si.accountId, si.appId, {
            name: 'bench',
            url: rx.url,
            events: ['meeting.participantJoined'],
            enabled: true,
          })
        ).id;
        return await f(si, dbi, hook);
      } finally {
        await dbi.close();
        await si.stop();
      }
    };
    /** Runs `f` against an ingest server that does not deliver (`PEER_REPORT_WEBHOOK_DELIVER=0`) and a second process on the same store that does. */
    const withSeparateDeliverer = <T>(
      f: (si: BenchServer, dbi: OpenDatabase, hook: string) => Promise<T>,
    ): Promise<T> =>
      withServer({ ...env, PEER_REPORT_WEBHOOK_DELIVER: '0' }, async (si, dbi, hook) => {
        const deliverer = await spawnServerProcess({ dataDir: si.dataDir, env });
        try {
          return await f(si, dbi, hook);
        } finally {
          await deliverer.stop();
        }
      });
    // The same fixed load with delivery on the server's event loop: the delivery thread's baseline.
    const fixedLoadLoop = parts.includes('fixed-load-loop')
      ? await withServer({ ...env, PEER_REPORT_WEBHOOK_THREAD: '0' }, (si, dbi, hook) =>
          fixedLoadImpact(si, dbi, hook, rx, body, fixedOpts),
        )
      : undefined;
    // The same with delivery in a process of its own (the ingest process's CPU is then ingest only).
    const fixedLoadSeparate = parts.includes('fixed-load-separate')
      ? await withSeparateDeliverer((si, dbi, hook) =>
          fixedLoadImpact(si, dbi, hook, rx, body, fixedOpts),
        )
      : undefined;
    const figures = {
      throughput: { oneWebhook, fourWebhooks },
      rsa,
      fixedLoad,
      fixedLoadLoop,
      fixedLoadSeparate,
    };
    if (!parts.includes('impact')) return figures;
    const sameProcess = await ingestImpact(s, db, hooks[0], rx);
    // The same with delivery in its own process (`PEER_REPORT_WEBHOOK_DELIVER=0` on the ingest process).
    const separateProcess = await withSeparateDeliverer((si, dbi, hook) =>
      ingestImpact(si, dbi, hook, rx),
    );
    return { ...figures, ingestImpact: { sameProcess, separateProcess } };
  } finally {
    await db.close();
    await rx.close();
    await s.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  console.log(JSON.stringify(await benchWebhookDelivery(), null, 2));

/**
 * Issue 17's ingest-impact measurement at a fixed, realistic offered load (not saturation).
 *
 * `peers` peers each send one pre-generated 10-second `lossy-wifi` batch every `batchIntervalMs` (paced: a late
 * answer delays only that peer's next batch, so the offered load stays the same whatever the server does). The run
 * alternates equal phases: ingest alone, then ingest while `eventsPerSecond` webhook events are recorded and
 * delivered (rows written to the outbox in groups, see `enqueueEveryMs`, and sent by the server's
 * dispatcher to the local receiver), twice. Per phase: server CPU (ms per second and per sample, the delivery's share
 * included), batch latency p50/p95/p99, samples ingested per second, and the events delivered. The server's CPU per
 * sample without delivery and its batch latency are the ingest figures the target compares.
 */
import { createPeers, post } from './ingest-report.ts';
import { pendingDeliveries } from '../test/support/outbox-rows.ts';
import { pct, processCpuSeconds, machineCpuSeconds, round, type BenchServer } from './support.ts';
import { syntheticBatches } from '../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../src/simulate/call-profiles.ts';
import type { OpenDatabase } from '../src/store/open-database.ts';

/** What the phases measure. */
export interface FixedLoadOptions {
  peers: number;
  batchIntervalMs: number;
  phaseSeconds: number;
  eventsPerSecond: number;
  /**
   * How often the bench writes a group of events into the outbox (ms). It writes from its own process, which on
   * the embedded store means taking SQLite's file lock from outside the server (the server's own transactions
   * record events in production): once a second keeps that distortion to one outside write a second.
   */
  enqueueEveryMs: number;
}

/** The figures of one phase. */
interface PhaseResult {
  phase: 'alone' | 'delivering';
  seconds: number;
  batches: number;
  samplesPerSecond: number;
  serverCpuMsPerSecond: number;
  serverCpuMsPerSample: number;
  batchMs: { p50: number; p95: number; p99: number };
  machineBusy: number;
  eventsRecordedPerSecond?: number;
  eventsDeliveredPerSecond?: number;
  backlogLeft?: number;
}

interface Sent {
  at: number;
  ms: number;
  samples: number;
}

/** Runs the alternating phases and returns one figure set per phase and the with/without comparison. */
export async function fixedLoadImpact(
  s: BenchServer,
  db: OpenDatabase,
  hook: string,
  rx: { count(): number; reset(): void },
  body: string,
  opts: FixedLoadOptions,
) {
  const phases = ['alone', 'delivering', 'alone', 'delivering'] as const;
  const batchesPerPeer =
    Math.ceil((phases.length * opts.phaseSeconds * 1000) / opts.batchIntervalMs) + 2;
  const minutes = Math.ceil((batchesPerPeer * 10) / 60) + 1;
  const startMs = Date.now() - minutes * 60_000;
  const bodies = Array.from({ length: opts.peers }, (_, i) =>
    [
      ...syntheticBatches({
        profile: CALL_PROFILES['lossy-wifi'],
        startMs,
        minutes,
        batchSeconds: 10,
        seed: 1000 + i,
        batchIdPrefix: `fixed-${i}-`,
      }),
    ]
      .slice(0, batchesPerPeer)
      .map((b) => ({ body: JSON.stringify(b), samples: b.samples?.length ?? 0 })),
  );
  const peers = await createPeers(s, opts.peers, startMs);
  await db.db.updateTable('webhooks').set({ enabled: 0 }).execute();

  const sent: Sent[] = [];
  let stop = false;
  const t0 = performance.now();
  const senders = peers.map(async (p, i) => {
    // Spread over the interval so the load is even, not in bursts.
    let due = t0 + (i * opts.batchIntervalMs) / opts.peers;
    for (const b of bodies[i]) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stop) return;
      const at = performance.now();
      const url = `${s.url}/ingest/v1/peers/${p.peerId}/batches`;
      // A kept-alive connection the server just closed ("socket hang up"): sent again, as the collector does
      // (batches are idempotent by id).
      const r = await post(url, p.token, b.body).catch(() => post(url, p.token, b.body));
      if (r.status !== 200) throw new Error(`ingest failed ${r.status}: ${r.text.slice(0, 200)}`);
      sent.push({ at, ms: performance.now() - at, samples: b.samples });
      due += opts.batchIntervalMs;
    }
  });
  const sending = Promise.all(senders);

  const results: PhaseResult[] = [];
  for (const phase of phases) {
    const from = performance.now();
    const cpu0 = processCpuSeconds(s.child.pid!);
    const machine0 = machineCpuSeconds();
    let enqueuer: NodeJS.Timeout | undefined;
    let recorded = 0;
    if (phase === 'delivering') {
      rx.reset();
      await db.db.updateTable('webhooks').set({ enabled: 1 }).where('id', '=', hook).execute();
      const perTick = Math.round((opts.eventsPerSecond * opts.enqueueEveryMs) / 1000);
      let writing = false;
      const tick = () => {
        if (writing) return; // a slow write skips a tick: `recorded` says what was offered
        writing = true;
        const rows = pendingDeliveries(s, [hook], perTick, body);
        db.db
          .insertInto('webhook_deliveries')
          .values(rows)
          .execute()
          .then(() => (recorded += rows.length))
          .catch((e: Error) => console.error('enqueue failed:', e.message))
          .finally(() => (writing = false));
      };
      // A group at the phase's start and one per interval after it: the phase offers the whole rate (ticks only
      // after each interval left the first interval's events out: 950 of 1,000 a second in a 20 s phase).
      tick();
      enqueuer = setInterval(tick, opts.enqueueEveryMs);
    }
    await new Promise((r) => setTimeout(r, opts.phaseSeconds * 1000));
    clearInterval(enqueuer);
    const seconds = (performance.now() - from) / 1000;
    const cpu = processCpuSeconds(s.child.pid!) - cpu0;
    const machine = machineCpuSeconds();
    const delivered = phase === 'delivering' ? rx.count() : 0;
    let backlogLeft = 0;
    if (phase === 'delivering') {
      await db.db.updateTable('webhooks').set({ enabled: 0 }).execute();
      backlogLeft = Number(
        (
          await db.db
            .deleteFrom('webhook_deliveries')
            .where('status', '=', 'pending')
            .executeTakeFirst()
        ).numDeletedRows,
      );
    }
    const batches = sent.filter((b) => b.at >= from && b.at < from + seconds * 1000);
    const samples = batches.reduce((a, b) => a + b.samples, 0);
    const ms = batches.map((b) => b.ms);
    const r: PhaseResult = {
      phase,
      seconds: round(seconds, 1),
      batches: batches.length,
      samplesPerSecond: Math.round(samples / seconds),
      serverCpuMsPerSecond: round((cpu * 1000) / seconds, 0),
      serverCpuMsPerSample: round((cpu * 1000) / Math.max(1, samples), 4),
      batchMs: {
        p50: round(pct(ms, 50), 1),
        p95: round(pct(ms, 95), 1),
        p99: round(pct(ms, 99), 1),
      },
      machineBusy: round(1 - (machine.idle - machine0.idle) / (machine.total - machine0.total)),
      ...(phase === 'delivering'
        ? {
            eventsRecordedPerSecond: Math.round(recorded / seconds),
            eventsDeliveredPerSecond: Math.round(delivered / seconds),
            backlogLeft,
          }
        : {}),
    };
    console.error(`webhook-delivery fixed load: ${JSON.stringify(r)}`);
    results.push(r);
  }
  stop = true;
  await sending;

  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const of = (p: string) => results.filter((r) => r.phase === p);
  const alone = of('alone');
  const delivering = of('delivering');
  const ratio = (f: (r: PhaseResult) => number) =>
    round(mean(delivering.map(f)) / mean(alone.map(f)), 3);
  return {
    offered: {
      peers: opts.peers,
      batchIntervalMs: opts.batchIntervalMs,
      batchesPerSecond: round((opts.peers * 1000) / opts.batchIntervalMs, 1),
      eventsPerSecond: opts.eventsPerSecond,
    },
    phases: results,
    withOverWithout: {
      samplesPerSecond: ratio((r) => r.samplesPerSecond),
      batchP50: ratio((r) => r.batchMs.p50),
      batchP95: ratio((r) => r.batchMs.p95),
      serverCpuMsPerSecond: ratio((r) => r.serverCpuMsPerSecond),
    },
  };
}

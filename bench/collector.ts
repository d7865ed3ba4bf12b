/**
 * What the browser collector costs the page, measured on a real call between
 * two headless-chromium pages (Debian's chromium, fake devices, host
 * candidates), with the collector's DEFAULT settings (sample every 2 s,
 * upload every 10 s) on one page and no collector on the other:
 *
 * - `round_ms_avg`: wall time of one sampling round, `getStats()` included
 *   (mostly waiting for the WebRTC thread, not main-thread work);
 * - `normalize_ms_avg`: main-thread time per round spent normalising and
 *   buffering (what the collector itself runs on the page's thread);
 * - `main_thread_ms_per_min_{with,without}_collector`: CDP `TaskDuration`
 *   (all main-thread work of the page) per minute, and their difference;
 * - `bytes_per_min` / `requests_per_min`: upload volume (request bodies);
 * - `esm_gzip_bytes`: bundle size.
 *
 * `COLLECTOR_BENCH_SECONDS` sets the measured window (default 60).
 */
import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCollector } from '../collector/build.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../test/browser/support/chromium.ts';
import { connectPeers, PeerPage } from '../test/browser/support/peer-page.ts';
import { createMeeting } from '../test/browser/support/realtimekit.ts';
import { startStaticServer } from '../test/browser/support/static-server.ts';
import { round, startBenchServer } from './support.ts';

const PAGES = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'browser', 'pages');

interface CollectorStatsLite {
  rounds: number;
  samples: number;
  round_ms_avg: number;
  normalize_ms_avg: number;
  bytes_sent: number;
  requests: number;
  batches_acked: number;
}

/** Reads the page's cumulative main-thread task time (CDP `TaskDuration`), in ms. */
async function taskClock(page: PeerPage): Promise<() => Promise<number>> {
  const cdp = await page.context.newCDPSession(page.page);
  await cdp.send('Performance.enable');
  return async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  };
}

/** Runs the measurement; returns flat figures for bench/results/collector.json. */
export async function benchCollector(): Promise<Record<string, number>> {
  const seconds = Number(process.env.COLLECTOR_BENCH_SECONDS ?? 60);
  const { esmGzip } = await buildCollector();
  const server = await startBenchServer();
  const pages = await startStaticServer({ '/': PAGES });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  try {
    const meeting = await createMeeting(
      { baseURL: `${server.url}/client/v4`, token: server.token, accountId: server.accountId },
      2,
      'bench',
    );
    const collectorUrl = `${server.url}/collector/v1/peer-report-collector.js`;
    const withCollector = await PeerPage.open(browser, pages.url, collectorUrl);
    const without = await PeerPage.open(browser, pages.url, collectorUrl);
    await withCollector.setup({ server: server.url, token: meeting.participants[0].token });
    await without.setup({
      server: server.url,
      token: meeting.participants[1].token,
      noCollector: true,
    });
    await connectPeers(withCollector, without);
    await new Promise((r) => setTimeout(r, 5000)); // let the call settle

    const [withClock, withoutClock] = [await taskClock(withCollector), await taskClock(without)];
    const s0 = await withCollector.call<CollectorStatsLite>('stats');
    const [w0, n0] = [await withClock(), await withoutClock()];
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const s1 = await withCollector.call<CollectorStatsLite>('stats');
    const [w1, n1] = [await withClock(), await withoutClock()];
    await withCollector.call('leave', 'bench');

    const minutes = seconds / 60;
    const rounds = s1.rounds - s0.rounds;
    const withMs = (w1 - w0) / minutes;
    const withoutMs = (n1 - n0) / minutes;
    return {
      window_s: seconds,
      sample_interval_ms: 2000,
      batch_interval_ms: 10_000,
      rounds_per_min: round(rounds / minutes),
      stream_samples_per_round: round((s1.samples - s0.samples) / Math.max(1, rounds)),
      round_ms_avg: round(s1.round_ms_avg, 3),
      normalize_ms_avg: round(s1.normalize_ms_avg, 3),
      main_thread_ms_per_min_with_collector: round(withMs),
      main_thread_ms_per_min_without_collector: round(withoutMs),
      main_thread_ms_per_min_difference: round(withMs - withoutMs),
      bytes_per_min: Math.round((s1.bytes_sent - s0.bytes_sent) / minutes),
      requests_per_min: round((s1.requests - s0.requests) / minutes),
      bytes_per_request: Math.round(
        (s1.bytes_sent - s0.bytes_sent) / Math.max(1, s1.requests - s0.requests),
      ),
      esm_gzip_bytes: esmGzip,
    };
  } finally {
    await browser.close();
    await pages.close();
    await server.stop();
  }
}

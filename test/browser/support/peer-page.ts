/**
 * Node side of the call test page (`test/browser/pages/call-page.js`): one
 * browser context per peer, a typed wrapper around `window.harness`, and the
 * signalling between two peers (full SDP after ICE gathering, no trickle).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** What a page recorded for one acknowledged batch. */
export interface AckRecord {
  batch_id: string;
  duplicate: boolean;
  attempts: number;
  bytes: number;
  samples: { key: string; ts: number; packets?: number }[];
  events: string[];
}

/** Options of `harness.setup()` in the page. */
export interface PeerSetup {
  server: string;
  token: string;
  sampleIntervalMs?: number;
  batchIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  requestTimeoutMs?: number;
  iceServers?: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  precall?: { pings?: number; throughputMs?: number; forceRelay?: boolean };
  pcId?: string;
  /** Also send the (fake) screen as a third track. */
  screenshare?: boolean;
  /** The remote track on this mid is a screenshare (as an app learns from its signalling). */
  remoteScreenshareMid?: string;
  /** Set up the call without a collector (benchmark baseline). */
  noCollector?: boolean;
}

type Harness = Record<string, (...args: never[]) => unknown>;

/** One peer: a page in its own browser context. */
export class PeerPage {
  /** Acknowledged batches, streamed from the page (survives reloads). */
  readonly acks: AckRecord[] = [];
  readonly pageErrors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly url: string,
  ) {}

  /** Opens the test page with the collector loaded from `collectorUrl`. */
  static async open(
    browser: Browser,
    pagesUrl: string,
    collectorUrl: string,
    format: 'esm' | 'iife' = 'esm',
  ): Promise<PeerPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = `${pagesUrl}/call.html?format=${format}&collector=${encodeURIComponent(collectorUrl)}`;
    const peer = new PeerPage(context, page, url);
    page.on('pageerror', (e) => peer.pageErrors.push(String(e)));
    // tsx compiles the test's page.evaluate callbacks with esbuild's keepNames helper.
    await page.addInitScript('window.__name = (f) => f;');
    await page.exposeFunction('reportAck', (rec: AckRecord) => void peer.acks.push(rec));
    await peer.load();
    return peer;
  }

  private async load(): Promise<void> {
    await this.page.goto(this.url);
    await this.page.waitForFunction(
      () => (window as unknown as { harnessReady?: boolean }).harnessReady === true,
      undefined,
      { timeout: 30_000 },
    );
  }

  /** Calls `window.harness[name](arg)` in the page. */
  call<T>(name: string, arg?: unknown): Promise<T> {
    return this.page.evaluate(
      ([n, a]) =>
        (
          (window as unknown as { harness: Harness }).harness[n as string] as (
            x: unknown,
          ) => unknown
        )(a) as Promise<T>,
      [name, arg] as const,
    ) as Promise<T>;
  }

  setup(o: PeerSetup): Promise<{
    joined: { peer_id: string } | null;
    precall?: Record<string, unknown>;
    bundle: string;
  }> {
    return this.call('setup', o);
  }

  async peerId(): Promise<string> {
    const id = await this.call<string | undefined>('peerId');
    if (!id) throw new Error('the collector has not joined');
    return id;
  }

  /** Reloads the page (pagehide → final batch + leave) and waits for the harness again. */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.waitForFunction(
      () => (window as unknown as { harnessReady?: boolean }).harnessReady === true,
      undefined,
      { timeout: 30_000 },
    );
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Offer from `a`, answer from `b`; resolves once both connections are `connected`. */
export async function connectPeers(a: PeerPage, b: PeerPage, timeoutMs = 45_000): Promise<void> {
  const offer = await a.call<string>('offer');
  const answer = await b.call<string>('answer', offer);
  await a.call('accept', answer);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all([
      a.call<string>('connectionState'),
      b.call<string>('connectionState'),
    ]);
    if (states.every((s) => s === 'connected')) return;
    if (states.includes('failed') || Date.now() > deadline)
      throw new Error(`peers did not connect: ${states.join(', ')}`);
    await sleep(250);
  }
}

/** Stops both senders, lets the counters settle, then leaves on both pages (last sample, flush, leave). */
export async function endCall(peers: PeerPage[], reason = 'call_ended'): Promise<void> {
  await Promise.all(peers.map((p) => p.call('stopSending')));
  await sleep(2500);
  await Promise.all(peers.map((p) => p.call('leave', reason)));
}

/**
 * One call of three Chromium peers through the test's forwarding SFU
 * (`sfu-forwarder.ts`), each page with the collector reporting to the real
 * peer-report server of `env`. Every browser reaches the SFU only through
 * coturn (`iceTransportPolicy: 'relay'`), behind its own UDP proxy
 * (`udp-impair-proxy.ts`): the proxy of a peer is that peer's access network,
 * so loss on its upstream is loss on that peer's uplink to the SFU, and loss on
 * its downstream loss on its downlink from the SFU.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type { BrowserEnvironment } from '../../browser/support/environment.ts';
import type { Coturn } from '../../browser/support/coturn.ts';
import {
  createMeeting,
  hasLeft,
  waitForReport,
  type Meeting,
} from '../../browser/support/realtimekit.ts';
import { startStaticServer, type StaticServer } from '../../browser/support/static-server.ts';
import {
  startImpairProxy,
  type ImpairProxy,
  type Impairment,
} from '../../browser/support/udp-impair-proxy.ts';
import type { SfuCounters, SfuOffer } from './sfu-forwarder.ts';
import { SfuWorker } from './sfu-worker.ts';

const PAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'pages');
/** Clean time after every leg connected, before the impairments start. */
const WARMUP_MS = 4000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The access network of one peer: impairment of its uplink and downlink. */
export interface PeerNetwork {
  uplink?: Impairment;
  downlink?: Impairment;
}

export interface SfuCallOptions {
  label: string;
  /** Peer names in the SFU, e.g. `['A', 'B', 'C']`. */
  peers: string[];
  /** How long media flows, ms. */
  talkMs: number;
  /** Impairments by peer name (absent: clean). */
  networks?: Record<string, PeerNetwork>;
  turn: Coturn;
  /** The TURN server's responsiveness probe (`stun-probe.ts`), read over the talk time. */
  probe?: { takeWorstMs(): Promise<number> };
  seed?: number;
}

/** What a call left behind, by peer name. */
export interface SfuCallResult {
  meeting: Meeting;
  peerIds: Record<string, string>;
  /** The peer report's `diagnosis` object, as the REST API returns it. */
  diagnoses: Record<string, DiagnosisJson>;
  counters: SfuCounters;
  /** Datagrams through each peer's proxy from the start of the impairments to the end of the call. */
  proxies: Record<string, ImpairProxy['counters']>;
  /**
   * Over the talk time: the SFU's worst event-loop delay and, when a probe was given, the TURN server's worst
   * answer to it (ms). Either stalled means every leg's packets were held and released in a burst.
   */
  starvation: { sfuLoopMaxDelayMs: number; turnWorstMs?: number };
}

/** The part of the report's diagnosis the scenarios read. */
export interface DiagnosisJson {
  verdict: string;
  summary: string;
  compared_with: string[];
  issues: {
    kind: string;
    severity: string;
    direction?: string;
    medium?: string;
    start: string;
    end: string;
    streams: { key: string; remote_peer_id?: string; producer_id?: string }[];
    evidence: {
      metric: string;
      worst: number;
      typical: number;
      threshold: number;
      samples: number;
    };
    attribution: { cause: string; peer_id?: string; confidence: string; reason: string };
  }[];
}

type Harness = Record<string, (arg?: unknown) => unknown>;

/** One peer's page (its own browser context: its own fake devices). */
class SfuPage {
  readonly pageErrors: string[] = [];
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  static async open(env: BrowserEnvironment, pages: StaticServer): Promise<SfuPage> {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const p = new SfuPage(context, page);
    page.on('pageerror', (e) => p.pageErrors.push(String(e)));
    // tsx compiles the test's page.evaluate callbacks with esbuild's keepNames helper.
    await page.addInitScript('window.__name = (f) => f;');
    await page.goto(
      `${pages.url}/sfu-call.html?collector=${encodeURIComponent(env.collectorEsmUrl)}`,
    );
    await page.waitForFunction(
      () => (window as unknown as { harnessReady?: boolean }).harnessReady === true,
      undefined,
      { timeout: 30_000 },
    );
    return p;
  }

  call<T>(name: string, arg?: unknown): Promise<T> {
    return this.page.evaluate(
      ([n, a]) => (window as unknown as { harness: Harness }).harness[n as string](a) as Promise<T>,
      [name, arg] as const,
    ) as Promise<T>;
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/** The static server of the SFU page, started once per environment. */
const pageServers = new WeakMap<BrowserEnvironment, Promise<StaticServer>>();
function pagesOf(env: BrowserEnvironment): Promise<StaticServer> {
  let s = pageServers.get(env);
  if (!s) {
    s = startStaticServer({ '/': PAGES_DIR });
    pageServers.set(env, s);
    env.defer(async () => (await s)?.close());
  }
  return s;
}

/** Reads the peer report's diagnosis through the REST API (the SDK's types do not know it yet). */
async function diagnosisOf(
  env: BrowserEnvironment,
  m: Meeting,
  peerId: string,
): Promise<DiagnosisJson> {
  const res = await fetch(
    `${env.server.baseURL}/accounts/${m.accountId}/realtime/kit/${m.appId}/sessions/peer-report/${peerId}`,
    { headers: { authorization: `Bearer ${env.server.token}` } },
  );
  assert.equal(res.status, 200, `peer report of ${peerId}`);
  const body = (await res.json()) as { data?: { participant?: { diagnosis?: DiagnosisJson } } };
  const d = body.data?.participant?.diagnosis;
  assert.ok(
    d,
    `a diagnosis in the peer report of ${peerId}: ${JSON.stringify(body).slice(0, 500)}`,
  );
  return d;
}

function countersSince(
  now: ImpairProxy['counters'],
  then: ImpairProxy['counters'],
): ImpairProxy['counters'] {
  const dir = (d: 'upstream' | 'downstream') => ({
    forwarded: now[d].forwarded - then[d].forwarded,
    dropped: now[d].dropped - then[d].dropped,
    queueDrops: now[d].queueDrops - then[d].queueDrops,
    bytes: now[d].bytes - then[d].bytes,
  });
  return { upstream: dir('upstream'), downstream: dir('downstream') };
}

/** Runs the call; pages, proxies and the SFU are closed at the end (or by `env.close()` on failure). */
export async function runSfuCall(
  env: BrowserEnvironment,
  o: SfuCallOptions,
): Promise<SfuCallResult> {
  const pages = await pagesOf(env);
  const meeting = await createMeeting(env.server, o.peers.length, o.label);
  const sfu = new SfuWorker(o.peers);
  env.defer(() => sfu.close());
  const proxies: Record<string, ImpairProxy> = {};
  const browsers: Record<string, SfuPage> = {};
  const peerIds: Record<string, string> = {};
  for (const [i, name] of o.peers.entries()) {
    const proxy = await startImpairProxy({
      target: { host: o.turn.host, port: o.turn.port },
      seed: (o.seed ?? 20261130) + i,
    });
    env.defer(() => proxy.close().catch(() => {}));
    proxies[name] = proxy;
    const page = await SfuPage.open(env, pages);
    env.defer(() => page.close());
    browsers[name] = page;
    const { joined } = await page.call<{ joined: { peer_id: string } | null }>('setup', {
      server: env.server.url,
      token: meeting.participants[i].token,
      sampleIntervalMs: 1000,
      batchIntervalMs: 2000,
      iceServers: [
        {
          urls: `turn:${proxy.host}:${proxy.port}?transport=udp`,
          username: o.turn.username,
          credential: o.turn.credential,
        },
      ],
      iceTransportPolicy: 'relay',
    });
    assert.ok(joined?.peer_id, `the collector of ${name} joined`);
    peerIds[name] = joined.peer_id;
  }
  // All offers first: every leg exists before media starts, so every publisher is forwarded to everyone.
  const offers: Record<string, SfuOffer> = {};
  for (const name of o.peers) offers[name] = await sfu.offer(name);
  for (const name of o.peers) {
    const answer = await browsers[name].call<string>('answer', { ...offers[name], peerIds });
    await sfu.accept(name, answer);
  }
  const deadline = Date.now() + 45_000;
  for (;;) {
    const states = await Promise.all(
      o.peers.map((n) => browsers[n].call<string>('connectionState')),
    );
    if (states.every((s) => s === 'connected')) break;
    if (states.includes('failed') || Date.now() > deadline)
      throw new Error(
        `peers did not connect to the SFU: ${states.join(', ')}; SFU: ${JSON.stringify(await sfu.states())}\n${o.turn.log()}`,
      );
    await sleep(250);
  }
  // The impairments start once every leg is up (werift's DTLS handshake does not always survive a lossy start),
  // after a short warm-up in which every subscriber has had its first keyframe.
  await sleep(WARMUP_MS);
  await sfu.takeWorstDelay();
  await o.probe?.takeWorstMs();
  const atStart = Object.fromEntries(
    o.peers.map((n) => [n, structuredClone(proxies[n].counters)] as const),
  );
  for (const name of o.peers) {
    const net = o.networks?.[name];
    if (net?.uplink) proxies[name].setImpairment('upstream', net.uplink);
    if (net?.downlink) proxies[name].setImpairment('downstream', net.downlink);
  }
  await sleep(o.talkMs);
  const starvation: SfuCallResult['starvation'] = {
    sfuLoopMaxDelayMs: Math.round(await sfu.takeWorstDelay()),
  };
  if (o.probe) starvation.turnWorstMs = await o.probe.takeWorstMs();
  await Promise.all(o.peers.map((n) => browsers[n].call('stopSending')));
  await sleep(2500);
  await Promise.all(o.peers.map((n) => browsers[n].call('leave', 'call_ended')));
  const diagnoses: Record<string, DiagnosisJson> = {};
  for (const name of o.peers) {
    assert.deepEqual(browsers[name].pageErrors, [], `page errors of ${name}`);
    assert.deepEqual(await browsers[name].call('errors'), [], `collector errors of ${name}`);
    await waitForReport(meeting, peerIds[name], hasLeft);
  }
  // Every peer has left: each diagnosis can compare with all the others' sent streams.
  for (const name of o.peers) diagnoses[name] = await diagnosisOf(env, meeting, peerIds[name]);
  // Release the fake camera and microphone before the next call.
  for (const name of o.peers) await browsers[name].close();
  const counters = await sfu.counters();
  await sfu.close();
  for (const p of Object.values(proxies)) await p.close();
  return {
    meeting,
    peerIds,
    diagnoses,
    counters,
    proxies: Object.fromEntries(
      o.peers.map((n) => [n, countersSince(proxies[n].counters, atStart[n])] as const),
    ),
    starvation,
  };
}

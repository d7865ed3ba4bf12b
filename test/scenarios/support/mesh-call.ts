/**
 * One short real P2P call of the scenario suite: N headless-chromium peers in a
 * full mesh (one RTCPeerConnection per pair, each observed by the collector with
 * its remote peer), each peer with its own ICE servers (e.g. TURN through its own
 * impairing proxy), optional SDP rewriting (to blackhole every candidate),
 * actions during the call, then stop sending, leave, and the peer reports once
 * the server has closed the peers.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BrowserContext, Page } from 'playwright-core';
import type { BrowserEnvironment } from '../../browser/support/environment.ts';
import {
  createMeeting,
  hasLeft,
  waitForReport,
  type Meeting,
  type ReportParticipant,
} from '../../browser/support/realtimekit.ts';
import { startStaticServer, type StaticServer } from '../../browser/support/static-server.ts';

const PAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'pages');

/** One peer's network set-up. */
export interface PeerNetwork {
  iceServers?: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
}

/** The camera a peer opens (default 160x120 at 10 fps: a 3-peer mesh encodes and decodes six videos on 2 cores). */
export interface PeerCamera {
  width: number;
  height: number;
  frameRate: number;
}

/** Something done in a page while the call runs. */
export interface CallAction {
  /** When, ms after every connection is up. */
  atMs: number;
  /** Peer index. */
  peer: number;
  /** `harness` function and its argument. */
  call: string;
  arg?: unknown;
}

export interface MeshCallOptions {
  label: string;
  /** Number of peers (2 or 3). */
  peers: number;
  /** How long media flows once every connection is up, ms. */
  talkMs: number;
  /** Network of each peer (index = peer). */
  network?: PeerNetwork[];
  /** Camera of each peer (index = peer). */
  camera?: (PeerCamera | undefined)[];
  /** Rewrites every SDP on its way from one peer to another (e.g. to blackhole the candidates). */
  rewriteSdp?: (sdp: string) => string;
  /** The connections are expected to fail: wait for `failed` instead of `connected`. */
  expectFailure?: boolean;
  actions?: CallAction[];
  /** The TURN server's responsiveness probe (`stun-probe.ts`), read over the talk time. */
  probe?: { takeWorstMs(): Promise<number> };
}

/** A finished call: the meeting, and each peer's id and report (index = peer). */
export interface MeshCallResult {
  meeting: Meeting;
  peerIds: string[];
  reports: ReportParticipant[];
  /**
   * How starved the machine was while media flowed: the latest a page's 100 ms timer
   * ran, the test process's (the server's) worst event-loop delay, and the TURN
   * server's worst answer to the probe (when given), ms.
   */
  starvation: { pageMaxLateMs: number; serverLoopMaxDelayMs: number; turnWorstMs?: number };
}

type Harness = Record<string, (arg?: unknown) => unknown>;

class MeshPage {
  readonly pageErrors: string[] = [];
  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  call<T>(name: string, arg?: unknown): Promise<T> {
    return this.page.evaluate(
      ([n, a]) => (window as unknown as { harness: Harness }).harness[n as string](a) as Promise<T>,
      [name, arg] as const,
    ) as Promise<T>;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pagesServer: StaticServer | undefined;

/** The scenario pages' server, started once per environment. */
async function pagesUrl(env: BrowserEnvironment): Promise<string> {
  if (!pagesServer) {
    const server = await startStaticServer({ '/': PAGES_DIR });
    pagesServer = server;
    env.defer(async () => {
      await server.close();
      pagesServer = undefined;
    });
  }
  return pagesServer.url;
}

async function openPage(env: BrowserEnvironment): Promise<MeshPage> {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const mesh = new MeshPage(context, page);
  page.on('pageerror', (e) => mesh.pageErrors.push(String(e)));
  // tsx compiles the evaluate callbacks with esbuild's keepNames helper.
  await page.addInitScript('window.__name = (f) => f;');
  await page.goto(
    `${await pagesUrl(env)}/mesh.html?collector=${encodeURIComponent(env.collectorEsmUrl)}`,
  );
  await page.waitForFunction(
    () => (window as unknown as { harnessReady?: boolean }).harnessReady === true,
    undefined,
    { timeout: 30_000 },
  );
  return mesh;
}

/** Waits until every connection of every page is in one of `wanted` (throws on timeout). */
async function waitForStates(pages: MeshPage[], wanted: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(pages.map((p) => p.call<Record<string, string>>('states')));
    const all = states.flatMap((s) => Object.values(s));
    if (all.every((s) => wanted.includes(s))) return;
    if (Date.now() > deadline)
      throw new Error(`connections not ${wanted.join('/')}: ${JSON.stringify(states)}`);
    await sleep(250);
  }
}

/** Runs the call; its pages are closed at the end (or by `env.close()` on failure). */
export async function runMeshCall(
  env: BrowserEnvironment,
  o: MeshCallOptions,
): Promise<MeshCallResult> {
  const meeting = await createMeeting(env.server, o.peers, o.label);
  const pages: MeshPage[] = [];
  for (let i = 0; i < o.peers; i++) {
    const p = await openPage(env);
    env.defer(() => p.context.close());
    pages.push(p);
  }
  const setups = await Promise.all(
    pages.map((p, i) =>
      p.call<{ joined: { peer_id: string } | null }>('setup', {
        server: env.server.url,
        token: meeting.participants[i].token,
        sampleIntervalMs: 1000,
        batchIntervalMs: 2000,
        ...(o.camera?.[i] ?? { width: 160, height: 120, frameRate: 10 }),
      }),
    ),
  );
  for (const s of setups) assert.ok(s.joined?.peer_id, 'the collector joined');
  const peerIds = setups.map((s) => s.joined!.peer_id);
  const rewrite = o.rewriteSdp ?? ((sdp: string) => sdp);
  // A full mesh: the lower index offers to each higher one. Remotes are named by their
  // custom participant id, which the app knows from its signalling and blame matches.
  for (let i = 0; i < o.peers; i++)
    for (let j = i + 1; j < o.peers; j++) {
      const [a, b] = [meeting.participants[i].customId, meeting.participants[j].customId];
      await pages[i].call('connect', { remote: b, remotePeerId: b, ...o.network?.[i] });
      await pages[j].call('connect', { remote: a, remotePeerId: a, ...o.network?.[j] });
      const offer = await pages[i].call<string>('offer', b);
      const answer = await pages[j].call<string>('answer', { remote: a, sdp: rewrite(offer) });
      await pages[i].call('accept', { remote: b, sdp: rewrite(answer) });
    }
  if (o.expectFailure) await waitForStates(pages, ['failed'], 90_000);
  else await waitForStates(pages, ['connected'], 45_000);
  const started = Date.now();
  await Promise.all(pages.map((p) => p.call('starvation', true)));
  await o.probe?.takeWorstMs();
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  for (const a of [...(o.actions ?? [])].sort((x, y) => x.atMs - y.atMs)) {
    await sleep(Math.max(0, started + a.atMs - Date.now()));
    await pages[a.peer].call(a.call, a.arg);
  }
  await sleep(Math.max(0, started + o.talkMs - Date.now()));
  loop.disable();
  const pageLate = await Promise.all(
    pages.map((p) => p.call<{ maxLateMs: number }>('starvation', false)),
  );
  const starvation: MeshCallResult['starvation'] = {
    pageMaxLateMs: Math.round(Math.max(...pageLate.map((s) => s.maxLateMs))),
    serverLoopMaxDelayMs: Math.round(loop.max / 1e6),
  };
  if (o.probe) starvation.turnWorstMs = await o.probe.takeWorstMs();
  await Promise.all(pages.map((p) => p.call('stopSending')));
  await sleep(2500); // let both ends' counters settle
  await Promise.all(pages.map((p) => p.call('leave', 'call_ended')));
  const reports: ReportParticipant[] = [];
  for (const [i, p] of pages.entries()) {
    assert.deepEqual(p.pageErrors, [], 'page errors');
    assert.deepEqual(await p.call('errors'), [], 'collector errors');
    reports.push(await waitForReport(meeting, peerIds[i], hasLeft));
  }
  // Release the fake devices before the next call (a later call got no frames while these held them).
  for (const p of pages) await p.context.close();
  return { meeting, peerIds, reports, starvation };
}

/** Replaces every ICE candidate of an SDP by one UDP host candidate at `host:port` (a blackhole). */
export function candidatesTo(host: string, port: number): (sdp: string) => string {
  return (sdp) => {
    const lines = sdp.split('\r\n').filter((l) => !l.startsWith('a=candidate:'));
    const out: string[] = [];
    for (const l of lines) {
      out.push(l);
      if (l.startsWith('a=mid:'))
        out.push(`a=candidate:1 1 udp 2122260223 ${host} ${port} typ host generation 0`);
    }
    return out.join('\r\n');
  };
}

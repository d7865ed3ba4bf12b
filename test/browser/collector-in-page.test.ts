/**
 * Collector behaviour inside a real page (headless chromium, classic-script
 * build from the server's stable URL): global APIs are patched only on
 * request, a refused token never throws into the app, and the documented
 * example page works.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowserEnvironment, type BrowserEnvironment } from './support/environment.ts';
import { PeerPage } from './support/peer-page.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMeeting, hasLeft, waitForReport, type Meeting } from './support/realtimekit.ts';
import { rows } from './support/report-reading.ts';
import { startStaticServer } from './support/static-server.ts';

let env: BrowserEnvironment;
let meeting: Meeting;
let peer: PeerPage;

before(async () => {
  env = await startBrowserEnvironment();
  meeting = await createMeeting(env.server, 2, 'in-page');
  peer = await PeerPage.open(env.browser, env.pages.url, env.collectorIifeUrl, 'iife');
  env.defer(() => peer.close());
  assert.equal(await peer.call('load'), 'function');
}, { timeout: 120_000 });
after(() => env?.close());

interface Lib {
  PeerReportCollector: new (o: Record<string, unknown>) => {
    start(): Promise<unknown>;
    observe(pc: RTCPeerConnection): string;
    addEvent(name: string): void;
    sample(): Promise<void>;
    stats(): { samples: number; rounds: number };
    leave(reason?: string): Promise<void>;
  };
}

test('RTCPeerConnection is left alone by default, and patched (then restored) only with autoObserve', async () => {
  const result = await peer.page.evaluate(
    async ({ server, token }) => {
      const lib = (window as unknown as { PeerReportCollector: Lib }).PeerReportCollector;
      const Original = window.RTCPeerConnection;
      // A long interval: the only sampling round is the explicit sample() below, however slow the machine.
      const plain = new lib.PeerReportCollector({ server, token, sampleIntervalMs: 60_000 });
      await plain.start();
      const untouched = window.RTCPeerConnection === Original;
      await plain.leave();

      const auto = new lib.PeerReportCollector({ server, token, sampleIntervalMs: 60_000, autoObserve: true });
      await auto.start();
      const patched = window.RTCPeerConnection !== Original;
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
      b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
      a.createDataChannel('x');
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      const isPc = a instanceof Original;
      await auto.sample();
      const rounds = auto.stats().rounds;
      await auto.leave();
      const restored = window.RTCPeerConnection === Original;
      a.close();
      b.close();
      return { untouched, patched, isPc, rounds, restored };
    },
    { server: env.server.url, token: meeting.participants[0].token },
  );
  assert.deepEqual(result, { untouched: true, patched: true, isPc: true, rounds: 1, restored: true });
});

test('a refused token never throws into the app: start resolves null and onError is told', async () => {
  const result = await peer.page.evaluate(async ({ server }) => {
    const lib = (window as unknown as { PeerReportCollector: Lib }).PeerReportCollector;
    const errors: { code: string; status?: number }[] = [];
    const c = new lib.PeerReportCollector({ server, token: 'not-a-participant-token', onError: (e: { code: string; status?: number }) => errors.push(e) });
    const joined = await c.start();
    const pc = new RTCPeerConnection();
    c.observe(pc);
    c.addEvent('mute');
    await c.sample();
    await c.leave();
    pc.close();
    return { joined, errors: errors.map((e) => `${e.code}:${e.status}`) };
  }, { server: env.server.url });
  assert.deepEqual(result, { joined: null, errors: ['join_rejected:401'] });
});

test('an unreachable server never throws either: join keeps retrying until leave', async () => {
  const result = await peer.page.evaluate(async () => {
    const lib = (window as unknown as { PeerReportCollector: Lib }).PeerReportCollector;
    const c = new lib.PeerReportCollector({ server: 'http://127.0.0.1:9', token: 't', retryBaseMs: 50, retryMaxMs: 100, sampleIntervalMs: 100 });
    const joined = c.start();
    const pc = new RTCPeerConnection();
    c.observe(pc);
    await new Promise((r) => setTimeout(r, 500));
    await c.leave();
    pc.close();
    return { joined: await joined, rounds: c.stats().rounds > 0 };
  });
  assert.deepEqual(result, { joined: null, rounds: true });
});

test('the example page (collector/example) runs its loopback call and both connections reach the report', async () => {
  const example = await startStaticServer({ '/': join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'collector', 'example') });
  env.defer(() => example.close());
  const context = await env.browser.newContext();
  env.defer(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const token = meeting.participants[1].token;
  await page.goto(`${example.url}/index.html?autostart=1&server=${encodeURIComponent(env.server.url)}&token=${encodeURIComponent(token)}`);
  await page.waitForFunction(() => (window as unknown as { exampleReady?: boolean }).exampleReady === true, undefined, { timeout: 30_000 });
  await page.waitForTimeout(5000);
  await page.click('#leave');
  await page.waitForFunction(() => (window as unknown as { exampleLeft?: boolean }).exampleLeft === true, undefined, { timeout: 30_000 });
  const peerId = /joined as peer (\S+)/.exec(await page.textContent('#log') ?? '')?.[1];
  assert.ok(peerId, 'the example logged its peer id');
  assert.deepEqual(errors, []);
  const report = await waitForReport(meeting, peerId, hasLeft);
  // Default settings: a sample every 2 s, so at least two per stream in 5 s (plus the one at unobserve).
  assert.ok(rows(report, 'audio_producer').length >= 2);
  assert.ok(rows(report, 'video_consumer').length >= 2);
  const pcs = new Set((report.peer_report?.metadata?.pc_metadata ?? []).map((m) => (m as { pc?: string }).pc));
  assert.deepEqual([...pcs].sort(), ['recv', 'send']);
});

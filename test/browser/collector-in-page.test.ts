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

before(
  async () => {
    env = await startBrowserEnvironment();
    meeting = await createMeeting(env.server, 2, 'in-page');
    peer = await PeerPage.open(env.browser, env.pages.url, env.collectorIifeUrl, 'iife');
    env.defer(() => peer.close());
    assert.equal(await peer.call('load'), 'function');
  },
  { timeout: 120_000 },
);
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

      const auto = new lib.PeerReportCollector({
        server,
        token,
        sampleIntervalMs: 60_000,
        autoObserve: true,
      });
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
  assert.deepEqual(result, {
    untouched: true,
    patched: true,
    isPc: true,
    rounds: 1,
    restored: true,
  });
});

test('a refused token never throws into the app: start resolves null and onError is told', async () => {
  const result = await peer.page.evaluate(
    async ({ server }) => {
      const lib = (window as unknown as { PeerReportCollector: Lib }).PeerReportCollector;
      const errors: { code: string; status?: number }[] = [];
      const c = new lib.PeerReportCollector({
        server,
        token: 'not-a-participant-token',
        onError: (e: { code: string; status?: number }) => errors.push(e),
      });
      const joined = await c.start();
      const pc = new RTCPeerConnection();
      c.observe(pc);
      c.addEvent('mute');
      await c.sample();
      await c.leave();
      pc.close();
      return { joined, errors: errors.map((e) => `${e.code}:${e.status}`) };
    },
    { server: env.server.url },
  );
  assert.deepEqual(result, { joined: null, errors: ['join_rejected:401'] });
});

test('an unreachable server never throws either: join keeps retrying until leave', async () => {
  const result = await peer.page.evaluate(async () => {
    const lib = (window as unknown as { PeerReportCollector: Lib }).PeerReportCollector;
    const c = new lib.PeerReportCollector({
      server: 'http://127.0.0.1:9',
      token: 't',
      retryBaseMs: 50,
      retryMaxMs: 100,
      sampleIntervalMs: 100,
    });
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
  const example = await startStaticServer({
    '/': join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'collector', 'example'),
  });
  env.defer(() => example.close());
  const context = await env.browser.newContext();
  env.defer(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const token = meeting.participants[1].token;
  await page.goto(
    `${example.url}/index.html?autostart=1&server=${encodeURIComponent(env.server.url)}&token=${encodeURIComponent(token)}`,
  );
  await page.waitForFunction(
    () => (window as unknown as { exampleReady?: boolean }).exampleReady === true,
    undefined,
    { timeout: 30_000 },
  );
  await page.waitForTimeout(5000);
  await page.click('#leave');
  await page.waitForFunction(
    () => (window as unknown as { exampleLeft?: boolean }).exampleLeft === true,
    undefined,
    { timeout: 30_000 },
  );
  const peerId = /joined as peer (\S+)/.exec((await page.textContent('#log')) ?? '')?.[1];
  assert.ok(peerId, 'the example logged its peer id');
  assert.deepEqual(errors, []);
  const report = await waitForReport(meeting, peerId, hasLeft);
  // Default settings: a sample every 2 s, so at least two per stream in 5 s (plus the one at unobserve).
  assert.ok(rows(report, 'audio_producer').length >= 2);
  assert.ok(rows(report, 'video_consumer').length >= 2);
  const pcs = new Set(
    (report.peer_report?.metadata?.pc_metadata ?? []).map((m) => (m as { pc?: string }).pc),
  );
  assert.deepEqual([...pcs].sort(), ['recv', 'send']);
});

test('a real call: rows name their connection and remote peer, carry NACK and freeze counters, and a stopped camera is a track_ended event and mark', async () => {
  const evidence = await createMeeting(env.server, 1, 'in-page-evidence');
  const peerId = await peer.page.evaluate(
    async ({ server, token }) => {
      type Observe = (
        pc: RTCPeerConnection,
        o: { id: string; remotePeerId: string; role: string },
      ) => string;
      const lib = (window as unknown as { PeerReportCollector: Lib }).PeerReportCollector;
      // Sampling only when told (a long interval), so the rounds do not depend on the machine's speed.
      const c = new lib.PeerReportCollector({ server, token, sampleIntervalMs: 60_000 });
      await c.start();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 320, height: 180 },
      });
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
      b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
      for (const track of stream.getTracks()) a.addTrack(track, stream);
      (c.observe as unknown as Observe)(a, { id: 'to-b', remotePeerId: 'peer-b', role: 'p2p' });
      (c.observe as unknown as Observe)(b, { id: 'from-a', remotePeerId: 'peer-a', role: 'p2p' });
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
      for (let i = 0; i < 50 && b.connectionState !== 'connected'; i++) await wait(100);
      for (let i = 0; i < 3; i++) {
        await wait(700);
        await c.sample();
      }
      stream.getVideoTracks()[0].stop();
      for (let i = 0; i < 2; i++) {
        await wait(700);
        await c.sample();
      }
      const id = (c as unknown as { peerId?: string }).peerId;
      await c.leave();
      a.close();
      b.close();
      for (const t of stream.getTracks()) t.stop();
      return id;
    },
    { server: env.server.url, token: evidence.participants[0].token },
  );
  assert.ok(peerId, 'peerId');
  const report = await waitForReport(evidence, peerId, hasLeft);
  const sent = rows(report, 'video_producer');
  const received = rows(report, 'video_consumer');
  assert.ok(
    sent.length >= 4 && received.length >= 4,
    `${sent.length} sent, ${received.length} received rows`,
  );
  assert.ok(
    sent.every((r) => r.pc_id === 'to-b' && r.remote_peer_id === 'peer-b'),
    'outgoing rows name the connection and the peer it goes to',
  );
  assert.ok(
    received.every((r) => r.pc_id === 'from-a' && r.remote_peer_id === 'peer-a'),
    "received.every((r) => r.pc_id === 'from-a' && r.remote_peer_id === 'peer-a')",
  );
  assert.ok(rows(report, 'audio_producer').every((r) => r.pc_id === 'to-b'));
  assert.ok(
    received.every(
      (r) =>
        typeof r.nack_count === 'number' &&
        typeof r.freeze_count === 'number' &&
        typeof r.freeze_duration_ms === 'number',
    ),
    'Chromium reports NACK and freeze counters',
  );
  assert.ok(
    sent.some((r) => typeof r.available_outgoing_bitrate_kbps === 'number'),
    'the bandwidth estimate on producer rows',
  );
  assert.equal(sent.at(-1)?.track_ended, true, 'the last outgoing video row says the track ended');
  assert.equal(sent[0].track_ended, undefined);
  const events = (report.peer_report?.metadata?.events ?? []) as {
    name: string;
    metadata?: Record<string, unknown>;
  }[];
  const ended = events.filter((e) => e.name === 'track_ended');
  assert.deepEqual(
    ended.map((e) => [e.metadata?.pc, e.metadata?.kind, e.metadata?.direction]),
    [['to-b', 'video', 'send']],
  );
  const meta = (report.peer_report?.metadata?.pc_metadata ?? []) as {
    pc: string;
    remote_peer_id?: string;
  }[];
  assert.deepEqual([...new Set(meta.map((m) => `${m.pc}:${m.remote_peer_id}`))].sort(), [
    'from-a:peer-a',
    'to-b:peer-b',
  ]);
  const tracks =
    (
      (report as { quality_stats?: unknown }).quality_stats as {
        track_stats?: { series: string; pc_id: string; peer_id?: string; track_ended?: boolean }[];
      }
    ).track_stats ?? [];
  assert.ok(
    tracks.some(
      (t) =>
        t.series === 'video_producer' &&
        t.pc_id === 'to-b' &&
        t.peer_id === 'peer-b' &&
        t.track_ended === true,
    ),
  );
});

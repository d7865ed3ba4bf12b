/**
 * Failure paths of a real call: the telemetry network is cut mid-call
 * (first the acknowledgements are lost while batches still reach the server,
 * then every connection is reset), a cut outlasts the server's peer timeout,
 * and a page is reloaded mid-call. No acknowledged sample may be lost or
 * counted twice, and the peer ends closed with PEER_LEAVING.
 *
 * The server closes a silent peer after PEER_TIMEOUT_MS here (30 s by default).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accountingProblems, ackedSamples, reportedSamples } from './support/ack-accounting.ts';
import { startBrowserEnvironment, type BrowserEnvironment } from './support/environment.ts';
import { connectPeers, endCall, PeerPage } from './support/peer-page.ts';
import { createMeeting, hasLeft, peerReport, waitForReport } from './support/realtimekit.ts';
import type { AckRecord } from './support/peer-page.ts';
import { rows, total } from './support/report-reading.ts';
import { startTcpCutProxy } from './support/tcp-cut-proxy.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

const PEER_TIMEOUT_MS = 8000;

let env: BrowserEnvironment;
before(
  async () => {
    env = await startBrowserEnvironment({ peerTimeoutMs: PEER_TIMEOUT_MS, sweepIntervalMs: 200 });
  },
  { timeout: 120_000 },
);
after(() => env?.close());

test(
  'network cut mid-call: lost acknowledgements and reset connections lose nothing and count nothing twice',
  { timeout: 180_000 },
  async () => {
    const proxy = await startTcpCutProxy(env.server.url);
    env.defer(() => proxy.close());
    const meeting = await createMeeting(env.server, 2, 'cut');
    const a = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    const b = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    env.defer(() => a.close());
    env.defer(() => b.close());
    const common = {
      sampleIntervalMs: 500,
      batchIntervalMs: 1000,
      retryBaseMs: 300,
      retryMaxMs: 1500,
      requestTimeoutMs: 3000,
    };
    // Peer A talks to the server through the proxy that will cut it off.
    await a.setup({ ...common, server: proxy.url, token: meeting.participants[0].token });
    await b.setup({ ...common, server: env.server.url, token: meeting.participants[1].token });
    await connectPeers(a, b);
    await until('first acknowledged batches', () => a.acks.length >= 2);

    proxy.setMode('lose-acks');
    await until('acknowledgements lost', () => proxy.lostAcks >= 2);
    await sleep(1000);
    proxy.setMode('cut');
    await sleep(PEER_TIMEOUT_MS / 2); // shorter than the peer timeout: the peer survives
    const ackedBeforeRestore = a.acks.length;
    proxy.setMode('pass');
    await until('uploads to resume', () => a.acks.length > ackedBeforeRestore + 2);
    await endCall([a, b]);

    const stats = await a.call<{
      retries: number;
      pending_batches: number;
      batches_dropped: number;
    }>('stats');
    assert.ok(stats.retries >= 3, `retries: ${stats.retries}`);
    assert.equal(stats.pending_batches, 0);
    assert.equal(stats.batches_dropped, 0);
    assert.ok(
      a.acks.some((x) => x.duplicate),
      'a batch stored during the lost-ack phase was acknowledged as a duplicate on retry',
    );
    assert.deepEqual(await a.call('errors'), []);

    const report = await waitForReport(meeting, await a.peerId(), hasLeft);
    const acked = ackedSamples(a.acks);
    const reported = reportedSamples(report);
    assert.deepEqual(accountingProblems(acked, reported), []);
    // Everything was acknowledged in the end, so the report holds exactly the acknowledged samples.
    assert.deepEqual([...reported.keys()].sort(), [...acked.keys()].sort());
    for (const [key, samples] of acked) assert.equal(reported.get(key)?.length, samples.size, key);
    // And the per-interval packet counts add up to the last acknowledged cumulative count.
    for (const series of ['audio_producer', 'video_consumer'] as const) {
      const key = [...acked.keys()].find((k) => k.startsWith(`${series}|`))!;
      const lastPackets = [...acked.get(key)!.entries()].sort((x, y) => x[0] - y[0]).at(-1)![1];
      assert.equal(
        total(
          rows(report, series),
          series.endsWith('producer') ? 'packets_sent' : 'packets_received',
        ),
        lastPackets,
        series,
      );
    }
  },
);

test(
  'page reload mid-call: the last batch and the leave go out on page hide; a new peer joins',
  { timeout: 180_000 },
  async () => {
    const meeting = await createMeeting(env.server, 2, 'reload');
    const a = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    const b = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    env.defer(() => a.close());
    env.defer(() => b.close());
    // A uploads only when told to, so that samples are waiting when the page goes away.
    await a.setup({
      server: env.server.url,
      token: meeting.participants[0].token,
      sampleIntervalMs: 500,
      batchIntervalMs: 60_000,
    });
    await b.setup({
      server: env.server.url,
      token: meeting.participants[1].token,
      sampleIntervalMs: 500,
      batchIntervalMs: 1000,
    });
    await connectPeers(a, b);
    await sleep(3000);
    await a.call('flush');
    await until('the flushed batch to be acknowledged', () => a.acks.length >= 1);
    await sleep(2000); // about four more samples per stream wait in the buffer
    const firstPeer = await a.peerId();
    const ackedBeforeReload = ackedSamples(a.acks);

    await a.reload();

    const report = await waitForReport(meeting, firstPeer, hasLeft, 20_000);
    const reported = reportedSamples(report);
    assert.deepEqual(accountingProblems(ackedBeforeReload, reported), []);
    for (const [key, samples] of ackedBeforeReload) {
      assert.ok(
        (reported.get(key)?.length ?? 0) > samples.size,
        `${key}: the samples buffered at page hide reached the server`,
      );
    }
    const leaving = (report.peer_events ?? []).filter((e) => e.event_name === 'PEER_LEAVING');
    assert.equal(leaving.length, 1);

    // The reloaded page joins again with the same participant token: a new peer.
    const again = await a.setup({
      server: env.server.url,
      token: meeting.participants[0].token,
      sampleIntervalMs: 500,
      batchIntervalMs: 1000,
    });
    assert.ok(again.joined?.peer_id, 'again.joined?.peer_id');
    assert.notEqual(again.joined?.peer_id, firstPeer);
    assert.equal(hasLeft(await peerReport(meeting, firstPeer)), true);
    await a.call('leave', 'done');
    await b.call('leave', 'done');
  },
);

test(
  'a cut longer than the peer timeout: the server closes the peer, the collector rejoins and resends there',
  { timeout: 180_000 },
  async () => {
    const proxy = await startTcpCutProxy(env.server.url);
    env.defer(() => proxy.close());
    const meeting = await createMeeting(env.server, 2, 'timeout');
    const a = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    const b = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    env.defer(() => a.close());
    env.defer(() => b.close());
    const common = {
      sampleIntervalMs: 500,
      batchIntervalMs: 1000,
      retryBaseMs: 300,
      retryMaxMs: 1500,
      requestTimeoutMs: 3000,
    };
    await a.setup({ ...common, server: proxy.url, token: meeting.participants[0].token });
    await b.setup({ ...common, server: env.server.url, token: meeting.participants[1].token });
    await connectPeers(a, b);
    await until('first acknowledged batches', () => a.acks.length >= 2);
    const firstPeer = await a.peerId();

    proxy.setMode('cut');
    await until(
      'the server to time the silent peer out',
      async () => hasLeft(await peerReport(meeting, firstPeer)),
      PEER_TIMEOUT_MS * 4,
    );
    const ackedBeforeRestore = a.acks.length;
    proxy.setMode('pass');
    await until('uploads to resume under a new peer', () => a.acks.length > ackedBeforeRestore + 2);
    const secondPeer = await a.peerId();
    assert.notEqual(secondPeer, firstPeer);
    await endCall([a, b]);
    assert.deepEqual(await a.call('errors'), []);

    const first = await peerReport(meeting, firstPeer);
    const second = await waitForReport(meeting, secondPeer, hasLeft);
    assert.equal(hasLeft(first), true);
    const rejoined = (second.peer_report?.metadata?.events ?? []).find(
      (e) => e.name === 'rejoined',
    );
    assert.equal(rejoined?.metadata?.previous_peer_id, firstPeer);

    // Together, the two peers hold every acknowledged sample exactly once.
    const acked = ackedSamples(a.acks as AckRecord[]);
    const reported = new Map<string, number[]>();
    for (const r of [first, second])
      for (const [k, ts] of reportedSamples(r))
        reported.set(k, [...(reported.get(k) ?? []), ...ts]);
    assert.deepEqual(accountingProblems(acked, reported), []);
    for (const [key, samples] of acked) assert.equal(reported.get(key)?.length, samples.size, key);
  },
);

test(
  'page reload mid-call: the other side carries on over a new connection; every per-sample array stays in time order',
  { timeout: 180_000 },
  async () => {
    const meeting = await createMeeting(env.server, 2, 'reload-order');
    const a = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    const b = await PeerPage.open(env.browser, env.pages.url, env.collectorEsmUrl);
    env.defer(() => a.close());
    env.defer(() => b.close());
    const common = { sampleIntervalMs: 500, batchIntervalMs: 1000 };
    await a.setup({ ...common, server: env.server.url, token: meeting.participants[0].token });
    // B's second connection gets an id that sorts before the first's ('call-2|…' < 'call|…'), as stored keys do.
    await b.setup({
      ...common,
      server: env.server.url,
      token: meeting.participants[1].token,
      pcId: 'call',
    });
    await connectPeers(a, b);
    await until(
      'B to upload samples of its first connection',
      () => b.acks.filter((x) => x.samples.some((s) => s.key.startsWith('call|'))).length >= 3,
    );

    // A reloads: it joins again; B replaces its connection and the call goes on over the new one.
    await a.reload();
    await a.setup({ ...common, server: env.server.url, token: meeting.participants[0].token });
    await b.call('newConnection', { pcId: 'call-2' });
    await connectPeers(a, b);
    await until(
      'B to upload samples of its second connection',
      () => b.acks.filter((x) => x.samples.some((s) => s.key.startsWith('call-2|'))).length >= 3,
    );
    await endCall([a, b]);

    const report = await waitForReport(meeting, await b.peerId(), hasLeft);
    const quality = (report.peer_report?.quality ?? {}) as Record<string, unknown>;
    let checked = 0;
    for (const [key, value] of Object.entries(quality)) {
      if (key.endsWith('_cumulative') || !Array.isArray(value) || value.length === 0) continue;
      const series = value as { timestamp: string; track?: string }[];
      const times = series.map((r) => Date.parse(r.timestamp));
      for (let i = 1; i < times.length; i++)
        assert.ok(
          times[i - 1] <= times[i],
          `${key}[${i}] goes back ${(times[i - 1] - times[i]) / 1000} s`,
        );
      checked++;
    }
    // Sent audio and video at least (what B receives depends on how fast A's reloaded page got going on a busy machine).
    assert.ok(checked >= 2, `arrays checked: ${checked}`);
    const producerTracks = new Set(
      (quality.audio_producer as { track?: string }[]).map((r) => r.track?.split('|')[0]),
    );
    assert.deepEqual(
      [...producerTracks].sort(),
      ['call', 'call-2'],
      'both connections are in the report',
    );
    assert.deepEqual(await b.call('errors'), []);
  },
);

/**
 * The web dashboard in headless Chromium against a real server: sign in with
 * an API token, walk apps → sessions → session → peer, and find the peer's
 * figures (the same as the API's), one MOS chart and one network chart per
 * stream, no script errors (the page runs under a strict CSP); a wrong token
 * shows the API's 401. Sessions come a page at a time, and a peer opens by its id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { buildDashboard } from '../../dashboard/build.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { sdk7 } from '../support/sdk.ts';
import { postJson } from '../support/post-json.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { chromiumMissing, launchChromium } from './support/chromium.ts';

let t: TestServer;
let browser: Browser;
let peers: SimulatedPeer[];

before(async () => {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  await buildDashboard();
  t = await startTestServer({ peerTimeoutMs: 600_000 });
  peers = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'lossy-wifi',
    minutes: 2,
    peers: 2,
    seed: 21,
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

/** A page that records script errors and CSP violations. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${t.url}/dashboard/`);
  return { page, errors };
}

async function signIn(page: Page, accountId: string, token: string): Promise<void> {
  await page.fill('input[name=account]', accountId);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
}

describe('dashboard', () => {
  test('from the apps list to one peer: the same figures as the API, a chart per stream', async () => {
    const { page, errors } = await openPage();
    await signIn(page, t.accountId, t.readToken);
    await page.click(`a[href="#/apps/${t.appId}/sessions"]`);
    await page.waitForSelector('table.list td.status-ended');
    const sessionLinks = page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`);
    assert.equal(await sessionLinks.count(), 1);
    await sessionLinks.click();
    await page.waitForSelector(`a[href^="#/apps/${t.appId}/peers/"]`);
    assert.equal(await page.locator(`a[href^="#/apps/${t.appId}/peers/"]`).count(), 2);
    await page.click(`a[href="#/apps/${t.appId}/peers/${peers[0].peerId}"]`);
    await page.waitForSelector('table.quality-summary');

    const api = await sdk7(
      t.baseURL,
      t.readToken,
    ).realtimeKit.sessions.getParticipantDataFromPeerID(peers[0].peerId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    const quality = api.data!.participant!.peer_report!.quality! as Record<string, any>;
    const streams = ['audio_producer', 'audio_consumer', 'video_producer', 'video_consumer'];
    for (const k of streams) {
      const shown = await page.locator(`tr[data-stream="${k}"] td.mos-avg`).textContent();
      assert.equal(shown, quality[`${k}_cumulative`].quality_mos.avg.toFixed(2), k);
      assert.equal(
        await page.locator(`#stream-${k} .chart-mos canvas`).count(),
        1,
        `${k} MOS chart`,
      );
      assert.equal(
        await page.locator(`#stream-${k} .chart-net canvas`).count(),
        1,
        `${k} network chart`,
      );
    }
    const browserCell = await page
      .locator('table.facts tr:has(th:text("browser")) td')
      .first()
      .textContent();
    assert.match(browserCell ?? '', /Chrome 131/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('sessions a page at a time, newest first; a peer opened by its id', async () => {
    // 27 more sessions (one short call each, now), newer than the simulated one: 28 in all, two pages of 25.
    const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
    for (let i = 0; i < 27; i++) {
      const meeting = await postJson(`${api}/meetings`, t.token, { title: `extra ${i}` });
      const participant = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
        custom_participant_id: `extra-${i}`,
        preset_name: 'host',
        name: `Extra ${i}`,
      });
      const joined = await postJson(`${t.url}/ingest/v1/join`, participant.token, {});
      await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/leave`, participant.token, {});
    }
    const { page, errors } = await openPage();
    await signIn(page, t.accountId, t.readToken);
    await page.click(`a[href="#/apps/${t.appId}/sessions"]`);
    await page.waitForSelector('.page-of');
    assert.equal(await page.locator('.page-of').textContent(), 'page 1 of 2');
    assert.equal(await page.locator('h1').textContent(), 'Sessions (28)');
    assert.equal(await page.locator('table.list tr').count(), 26, 'a header and 25 sessions');
    assert.equal(await page.locator('a[rel=prev]').count(), 0);
    assert.equal(
      await page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`).count(),
      0,
      'the oldest session is not on the first page',
    );
    await page.click('a[rel=next]');
    await page.waitForSelector('text=page 2 of 2');
    assert.equal(await page.locator('table.list tr').count(), 4, 'a header and 3 sessions');
    assert.equal(
      await page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`).count(),
      1,
    );
    assert.equal(await page.locator('a[rel=next]').count(), 0);
    await page.fill('input[name=peer_id]', ` ${peers[1].peerId} `);
    await page.click('form.find-peer button');
    await page.waitForSelector('table.quality-summary');
    assert.equal(
      await page.evaluate(() => location.hash),
      `#/apps/${t.appId}/peers/${peers[1].peerId}`,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a wrong token shows the API error, and sign-in is asked again', async () => {
    const { page, errors } = await openPage();
    await signIn(page, t.accountId, 'not-a-real-token');
    await page.waitForSelector('.error');
    assert.match((await page.locator('.error').textContent()) ?? '', /^Error 401/);
    await page.reload();
    await page.waitForSelector('input[name=token]');
    assert.ok(
      errors.every((e) => /401/.test(e)),
      errors.join('\n'),
    );
    await page.close();
  });
});

/** A peer seeded through the real ingest API with figures the dashboard test knows (issue 12 items 10a, 11–15). */
async function seedKnownPeer(): Promise<string> {
  const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
  const meeting = await postJson(`${api}/meetings`, t.token, { title: 'known figures' });
  const participant = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, {
    custom_participant_id: 'known',
    preset_name: 'host',
    name: 'Known Figures',
  });
  const start = Date.now() - 60_000;
  const joined = await postJson(`${t.url}/ingest/v1/join`, participant.token, {
    joined_at: start,
    client: {
      user_agent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      webgl_support: true,
    },
  });
  const samples: Record<string, unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    const ts = start + 2_000 + i * 2_000;
    // Audio sent: RTT 210 ms steady; the receiver's RTCP says 10 % lost (fraction_lost) on every report, while the
    // cumulative packetsLost only moves every third sample (what made the old chart read 0 %, then spikes).
    samples.push({
      ts,
      pc: 'pc-1',
      direction: 'producer',
      media: 'audio',
      ssrc: 1,
      codec: 'audio/opus',
      clock_rate: 48_000,
      packets: 100 * (i + 1),
      bytes: 8_000 * (i + 1),
      packets_lost: 30 * Math.floor((i + 1) / 3),
      fraction_lost: 0.1,
      jitter_ms: 4 + (i % 2),
      rtt_ms: 210,
      rtt_source: 'remote-inbound-rtp',
    });
    // Two remote participants' cameras in one consumer key (an SFU call): 320x240 at 20 fps on a clean network, RTT 48 ms.
    for (const [ssrc, remote, offset] of [
      [10, 'alice', 0],
      [20, 'bob', 1_000],
    ] as const) {
      samples.push({
        ts: ts + offset,
        pc: 'pc-1',
        direction: 'consumer',
        media: 'video',
        ssrc,
        codec: 'video/VP8',
        clock_rate: 90_000,
        remote_peer_id: remote,
        packets: 50 * (i + 1),
        bytes: 37_500 * (i + 1),
        packets_lost: 0,
        jitter_ms: 2,
        rtt_ms: 48,
        rtt_source: 'candidate-pair',
        frame_width: 320,
        frame_height: 240,
        frames_decoded: 40 * (i + 1),
        jitter_buffer_delay_s: 1.6 * (i + 1),
        jitter_buffer_emitted_count: 40 * (i + 1),
      });
    }
  }
  await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/batches`, participant.token, {
    batch_id: `known-${randomUUID()}`,
    samples,
    candidate_pairs: [
      {
        ts: start + 20_000,
        pc: 'pc-1',
        id: 'pair-1',
        state: 'succeeded',
        selected: true,
        nominated: true,
        current_rtt_ms: 202,
        total_rtt_s: 12.5,
        local: { candidate_type: 'relay', protocol: 'udp', relay_protocol: 'tls' },
        remote: { candidate_type: 'host', protocol: 'udp' },
      },
    ],
  });
  await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/leave`, participant.token, {});
  return joined.peer_id as string;
}

/** Hovers the middle of a chart and returns its legend: label → value shown. */
async function legendAt(page: Page, chart: string): Promise<Map<string, string>> {
  await page.locator(`${chart} .u-over`).hover();
  const rows = await page
    .locator(`${chart} .u-legend tr.u-series`)
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.querySelector('.u-label')?.textContent ?? '',
        tr.querySelector('.u-value')?.textContent ?? '',
      ]),
    );
  return new Map(rows as [string, string][]);
}

describe('dashboard figures and units (issue 12)', () => {
  test('known figures: pair RTT in ms, loss as the report says, consumer RTT, per-stream avg/p90, WebGL, one line per track, network quality first', async () => {
    const peerId = await seedKnownPeer();
    const { page, errors } = await openPage();
    await signIn(page, t.accountId, t.readToken);
    await page.waitForSelector('text=test app');
    await page.evaluate((h) => (location.hash = h), `#/apps/${t.appId}/peers/${peerId}`);
    await page.waitForSelector('table.quality-summary');
    const api = await sdk7(
      t.baseURL,
      t.readToken,
    ).realtimeKit.sessions.getParticipantDataFromPeerID(peerId, {
      account_id: t.accountId,
      app_id: t.appId,
    });
    const participant = api.data!.participant! as Record<string, any>;

    // 11: the pair's current RTT is 202 ms in the API and on the page (not 202000); the total is in ms too.
    const pair = participant.peer_report.metadata.candidate_pairs.producing_transport[0];
    assert.equal(pair.current_round_trip_time, 202);
    assert.equal(pair.total_round_trip_time, 12_500);
    assert.equal(await page.locator('td.pair-rtt').first().textContent(), '202');

    // 12: the producer loss chart shows the report's loss_pct (10 % on every row), on an axis scaled to it.
    const audioRows = participant.peer_report.quality.audio_producer as { loss_pct: number }[];
    assert.ok(
      audioRows.every((r) => r.loss_pct === 10),
      'audioRows.every((r) => r.loss_pct === 10)',
    );
    const audioNet = await legendAt(page, '#stream-audio_producer .chart-net');
    assert.equal(audioNet.get('loss (%)'), '10.00');
    assert.equal(audioNet.get('RTT (ms)'), '210');
    assert.equal(
      await page.locator('#stream-audio_producer .chart-net').getAttribute('data-loss-axis-max'),
      '15',
    );

    // 13: consumer rows carry the connection RTT: charted, and summarised (not "—").
    assert.ok(
      (participant.peer_report.quality.video_consumer as { rtt: number }[]).every(
        (r) => r.rtt === 48,
      ),
    );
    assert.equal(
      await page.locator('tr[data-stream="video_consumer"] td.rtt-avg').textContent(),
      '48',
    );

    // 14: average and p90 per stream, from quality_stats; WebGL from browser_metadata.
    const producerStats = (participant.quality_stats.audio_stats as Record<string, any>[]).find(
      (s) => s.series === 'audio_producer',
    )!;
    assert.equal(producerStats.rtt_avg, 210);
    assert.equal(producerStats.rtt_p90, 210);
    assert.equal(producerStats.loss_p90, 10);
    const row = (cls: string) =>
      page.locator(`tr[data-stream="audio_producer"] td.${cls}`).textContent();
    assert.equal(await row('rtt-avg'), '210');
    assert.equal(await row('rtt-p90'), '210');
    assert.equal(await row('loss-avg'), '10.0');
    assert.equal(await row('loss-p90'), '10.0');
    assert.equal(await row('jitter-avg'), producerStats.jitter_avg.toFixed(1));
    assert.equal(await row('jitter-p90'), producerStats.jitter_p90.toFixed(1));
    assert.equal(
      await page.locator('table.facts tr:has(th:text("WebGL")) td').textContent(),
      'yes',
    );

    // 10a: two remote cameras in one key: one line per track, labelled by remote peer.
    assert.equal(
      await page.locator('#stream-video_consumer .chart-net').getAttribute('data-tracks'),
      '2',
    );
    const videoNet = await legendAt(page, '#stream-video_consumer .chart-net');
    assert.ok(
      videoNet.has('RTT (ms) — alice') && videoNet.has('RTT (ms) — bob'),
      [...videoNet.keys()].join(', '),
    );

    // 15: the network share is shown first and reads clean, while the small camera picture scores low.
    const videoStats = (participant.quality_stats.video_stats as Record<string, any>[]).find(
      (s) => s.series === 'video_consumer',
    )!;
    assert.ok(
      videoStats.network_quality_avg > 4.3 && videoStats.mos_avg < 3.5,
      JSON.stringify(videoStats),
    );
    assert.equal(
      await page.locator('tr[data-stream="video_consumer"] td.network-avg').textContent(),
      videoStats.network_quality_avg.toFixed(2),
    );
    assert.match(
      (await page.locator('.quality-overall').textContent()) ?? '',
      new RegExp(
        `^network quality ${participant.quality_stats.average_network_quality.toFixed(2)}`,
      ),
    );
    assert.deepEqual(errors, []);
    await page.close();
  });
});

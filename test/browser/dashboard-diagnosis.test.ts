/**
 * The diagnosis on the dashboard, in headless Chromium against a real server
 * with known data (a simulated lossy-Wi-Fi call, compacted so the verdicts
 * are stored): the sessions list shows the session's worst verdict, the
 * session page every peer's verdict and top issue, and the peer page opens
 * with the verdict sentence and the issues (evidence behind a toggle), with
 * the issues' time ranges marked on the charts of the streams they concern.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildDashboard } from '../../dashboard/build.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { compactPeerChunks } from '../../src/store/chunk-compaction.ts';
import { chromiumMissing, launchChromium } from './support/chromium.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

let t: TestServer;
let browser: Browser;
let peers: SimulatedPeer[];

before(async () => {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  await buildDashboard();
  t = await startTestServer({ peerTimeoutMs: 600_000, compactAfterMs: 3_600_000 });
  peers = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'lossy-wifi',
    minutes: 3,
    peers: 2,
    seed: 21,
  });
  for (const p of peers)
    await compactPeerChunks(
      databaseOf(t.server.context.store).db,
      t.server.context.store.name,
      p.peerId,
      Date.now(),
    );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

async function api(path: string): Promise<any> {
  const res = await fetch(`${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}${path}`, {
    headers: { authorization: `Bearer ${t.readToken}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}

describe('dashboard diagnosis', () => {
  test('sessions list → session → peer: worst verdict, per-peer verdicts, the sentence first, issues and marked charts', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${t.url}/dashboard/`);
    await page.fill('input[name=account]', t.accountId);
    await page.fill('input[name=token]', t.readToken);
    await page.click('button[type=submit]');
    await page.click(`a[href="#/apps/${t.appId}/sessions"]`);
    await page.waitForSelector('td.worst-verdict');

    const reports = await Promise.all(
      peers.map(
        async (p) => (await api(`/sessions/peer-report/${p.peerId}`)).data.participant.diagnosis,
      ),
    );
    const order = ['good', 'fair', 'poor', 'bad'];
    const worst = order[Math.max(...reports.map((d) => order.indexOf(d.verdict)))];
    assert.notEqual(worst, 'good', 'the lossy call has issues');
    const row = page.locator('tr', {
      has: page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`),
    });
    assert.equal(await row.locator('td.worst-verdict').textContent(), worst);

    await page.click(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`);
    await page.waitForSelector('td.peer-verdict');
    for (const [n, p] of peers.entries()) {
      assert.equal(
        await page.locator(`tr[data-peer="${p.peerId}"] td.peer-verdict`).textContent(),
        reports[n].verdict,
      );
      assert.equal(
        await page.locator(`tr[data-peer="${p.peerId}"] td.top-issue`).textContent(),
        reports[n].summary,
      );
    }

    await page.click(`a[href="#/apps/${t.appId}/peers/${peers[0].peerId}"]`);
    await page.waitForSelector('section.diagnosis');
    const d = reports[0];
    // The page opens with the verdict sentence: the first section after the title.
    assert.equal(
      await page.evaluate(() => document.querySelector('main h1')?.nextElementSibling?.className),
      'diagnosis',
    );
    assert.equal(
      await page.locator('.verdict-sentence').textContent(),
      `${d.verdict} ${d.summary}`,
    );
    assert.equal(await page.locator('li.issue').count(), d.issues.length);
    // Evidence is behind a toggle: hidden, then shown.
    const first = page.locator('li.issue').first();
    assert.equal(await first.locator('table.evidence').isVisible(), false);
    await first.locator('summary').click();
    assert.equal(await first.locator('table.evidence').isVisible(), true);
    assert.match(
      (await first.locator('table.evidence').textContent()) ?? '',
      new RegExp(d.issues[0].evidence.metric),
    );
    // Every stream's charts mark the issues of its direction and medium.
    for (const series of ['audio_producer', 'audio_consumer', 'video_producer', 'video_consumer']) {
      const direction = series.endsWith('producer') ? 'send' : 'receive';
      const medium = series.split('_')[0];
      const expected = d.issues.filter(
        (i: any) => (i.direction ?? direction) === direction && (i.medium ?? medium) === medium,
      ).length;
      assert.equal(
        await page.locator(`#stream-${series} .chart-net`).getAttribute('data-issue-ranges'),
        String(expected),
        series,
      );
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
});

/**
 * The web dashboard in headless Chromium against a real server: sign in with
 * an API token, walk apps → sessions → session → peer, and find the peer's
 * figures (the same as the API's), one MOS chart and one network chart per
 * stream, no script errors (the page runs under a strict CSP); a wrong token
 * shows the API's 401. Sessions come a page at a time, and a peer opens by its id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
  peers = await runSimulation({ url: t.url, token: t.token, accountId: t.accountId, appId: t.appId, profile: 'lossy-wifi', minutes: 2, peers: 2, seed: 21 });
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
    await page.click('text=test app');
    await page.waitForSelector('table.list td.status-ended');
    const sessionLinks = page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`);
    assert.equal(await sessionLinks.count(), 1);
    await sessionLinks.click();
    await page.waitForSelector(`a[href^="#/apps/${t.appId}/peers/"]`);
    assert.equal(await page.locator(`a[href^="#/apps/${t.appId}/peers/"]`).count(), 2);
    await page.click(`a[href="#/apps/${t.appId}/peers/${peers[0].peerId}"]`);
    await page.waitForSelector('table.quality-summary');

    const api = await sdk7(t.baseURL, t.readToken).realtimeKit.sessions.getParticipantDataFromPeerID(peers[0].peerId, { account_id: t.accountId, app_id: t.appId });
    const quality = api.data!.participant!.peer_report!.quality! as Record<string, any>;
    const streams = ['audio_producer', 'audio_consumer', 'video_producer', 'video_consumer'];
    for (const k of streams) {
      const shown = await page.locator(`tr[data-stream="${k}"] td.mos-avg`).textContent();
      assert.equal(shown, quality[`${k}_cumulative`].quality_mos.avg.toFixed(2), k);
      assert.equal(await page.locator(`#stream-${k} .chart-mos canvas`).count(), 1, `${k} MOS chart`);
      assert.equal(await page.locator(`#stream-${k} .chart-net canvas`).count(), 1, `${k} network chart`);
    }
    const browserCell = await page.locator('table.facts tr:has(th:text("browser")) td').first().textContent();
    assert.match(browserCell ?? '', /Chrome 131/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('sessions a page at a time, newest first; a peer opened by its id', async () => {
    // 27 more sessions (one short call each, now), newer than the simulated one: 28 in all, two pages of 25.
    const api = `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}`;
    for (let i = 0; i < 27; i++) {
      const meeting = await postJson(`${api}/meetings`, t.token, { title: `extra ${i}` });
      const participant = await postJson(`${api}/meetings/${meeting.id}/participants`, t.token, { custom_participant_id: `extra-${i}`, preset_name: 'host', name: `Extra ${i}` });
      const joined = await postJson(`${t.url}/ingest/v1/join`, participant.token, {});
      await postJson(`${t.url}/ingest/v1/peers/${joined.peer_id}/leave`, participant.token, {});
    }
    const { page, errors } = await openPage();
    await signIn(page, t.accountId, t.readToken);
    await page.click('text=test app');
    await page.waitForSelector('.page-of');
    assert.equal(await page.locator('.page-of').textContent(), 'page 1 of 2');
    assert.equal(await page.locator('h1').textContent(), 'Sessions (28)');
    assert.equal(await page.locator('table.list tr').count(), 26, 'a header and 25 sessions');
    assert.equal(await page.locator('a[rel=prev]').count(), 0);
    assert.equal(await page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`).count(), 0, 'the oldest session is not on the first page');
    await page.click('a[rel=next]');
    await page.waitForSelector('text=page 2 of 2');
    assert.equal(await page.locator('table.list tr').count(), 4, 'a header and 3 sessions');
    assert.equal(await page.locator(`a[href="#/apps/${t.appId}/sessions/${peers[0].sessionId}"]`).count(), 1);
    assert.equal(await page.locator('a[rel=next]').count(), 0);
    await page.fill('input[name=peer_id]', ` ${peers[1].peerId} `);
    await page.click('form.find-peer button');
    await page.waitForSelector('table.quality-summary');
    assert.equal(await page.evaluate(() => location.hash), `#/apps/${t.appId}/peers/${peers[1].peerId}`);
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
    assert.ok(errors.every((e) => /401/.test(e)), errors.join('\n'));
    await page.close();
  });
});

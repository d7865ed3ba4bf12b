/**
 * The quality overview of the dashboard in headless Chromium against a real
 * server with known peers: the overall count, the day trends (three charts),
 * a breakdown's counts equal to a direct count of the seeded peers, a count
 * clicked through to the peers behind it and on to a report; and a dump
 * dropped on the page (and one picked) is uploaded and imported, landing on
 * the imported peer's report, while a corrupt one shows the API's 422.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { buildDashboard } from '../../dashboard/build.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { runSimulation, type SimulatedPeer } from '../../src/simulate/simulate-run.ts';
import { compactFinishedPeers } from '../../src/store/chunk-compaction.ts';
import { seededRandom } from '../../src/simulate/seeded-random.ts';
import { directFigures, seedPeer, type DirectFigures } from '../support/rollup-seed.ts';
import { chromiumMissing, launchChromium } from './support/chromium.ts';
import { databaseOf } from '../../src/store/store-internals.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const DUMP = path.join(here, '../fixtures/webrtc-internals/chromium-156-loopback.json.gz');

let t: TestServer;
let browser: Browser;
let real: SimulatedPeer[];
const seeded: DirectFigures[] = [];

before(async () => {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  await buildDashboard();
  t = await startTestServer({ peerTimeoutMs: 600_000, compactAfterMs: 3_600_000 });
  const { db, dialect } = databaseOf(t.server.context.store);
  real = await runSimulation({
    url: t.url,
    token: t.token,
    accountId: t.accountId,
    appId: t.appId,
    profile: 'congested-4g',
    minutes: 2,
    peers: 2,
    seed: 5,
  });
  await compactFinishedPeers(db, dialect, Date.now(), 0, 100);
  // Seeded peers over the last 5 days, each with a known ASN (the simulated ones have none: "unknown").
  const rnd = seededRandom(77);
  for (let i = 0; i < 40; i++) {
    const leftAt = Date.now() - Math.floor(rnd() * 5 * 86_400_000);
    const p = {
      id: randomUUID(),
      accountId: t.accountId,
      appId: t.appId,
      joinedAt: leftAt - 600_000,
      leftAt,
      browser: ['Chrome', 'Firefox', 'Safari'][i % 3],
      os: 'Windows',
      country: ['DE', 'FR'][i % 2],
      asn: ['AS3320', 'AS3215'][i % 2],
      audioMos: [1.5 + rnd() * 3, 1.5 + rnd() * 3],
      videoMos: [2 + rnd() * 2.5],
      loss: [rnd() * 10],
      rtt: [20 + rnd() * 400],
      jitter: [rnd() * 40],
    };
    await seedPeer(db, dialect, p);
    seeded.push(directFigures(p));
  }
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await t?.close();
});

async function openOverview(token = t.token): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${t.url}/dashboard/`);
  await page.fill('input[name=account]', t.accountId);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  // Opening the app (its name in the list) lands on its quality overview.
  await page.click(`a[href="#/apps/${t.appId}"]`);
  await page.waitForSelector('.overall-peers');
  return { page, errors };
}

describe('dashboard quality overview', () => {
  test('figures of known peers, trend charts, and every count clicks through to the peers and on to a report', async () => {
    const { page, errors } = await openOverview(t.readToken);
    assert.equal(
      await page.locator('.overall-peers').textContent(),
      String(seeded.length + real.length),
    );
    assert.equal(await page.locator('.trends canvas').count(), 3);
    // The simulated peers' browser family is what their client metadata says (as stored in their rollups).
    const realBrowsers = (
      await databaseOf(t.server.context.store)
        .db.selectFrom('peer_rollups')
        .select('browser')
        .where(
          'peer_id',
          'in',
          real.map((p) => p.peerId),
        )
        .execute()
    ).map((r) => r.browser);
    assert.equal(realBrowsers.length, real.length);
    for (const b of ['Chrome', 'Firefox', 'Safari']) {
      const expected =
        seeded.filter((p) => p.browser === b).length + realBrowsers.filter((r) => r === b).length;
      const cell = page
        .locator('table.breakdown-browser tr', { hasText: b })
        .locator('td.num a')
        .first();
      assert.equal(Number(await cell.textContent()), expected, b);
    }
    // A sparkline per breakdown row and figure (7 days each).
    const sparks = page.locator('table.breakdown-browser svg.sparkline');
    assert.equal(
      await sparks.count(),
      2 * ((await page.locator('table.breakdown-browser tr').count()) - 1),
    );
    assert.ok(
      ((await sparks.first().locator('polyline').getAttribute('points')) ?? '').split(' ').length >=
        1,
    );
    const unknownAsn = page
      .locator('table.breakdown-asn tr', { hasText: 'unknown' })
      .locator('td.num a')
      .first();
    assert.equal(await unknownAsn.textContent(), String(real.length));
    await unknownAsn.click();
    await page.waitForSelector('h1:text("Peers (2)")');
    const links = page.locator('a.peer-link');
    assert.equal(await links.count(), 2);
    const href = await links.first().getAttribute('href');
    assert.ok(
      real.some((p) => href === `#/apps/${t.appId}/peers/${p.peerId}`),
      href ?? '',
    );
    await links.first().click();
    await page.waitForSelector('table.quality-summary');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("every number of the overview is a link to the peers behind it; a day of the trend opens that day's peers, and on to a report", async () => {
    const { page, errors } = await openOverview(t.readToken);
    assert.equal(
      await page.evaluate(() => location.hash),
      `#/apps/${t.appId}`,
      'the app opens on the overview',
    );
    // Every figure cell of every table (days, issues, breakdowns) and of the overall line is a link.
    for (const table of ['table.by-day', 'table.issues', 'table.breakdown']) {
      const cells = page.locator(`${table} td.num`);
      const n = await cells.count();
      assert.ok(n > 0, `${table} has figures`);
      assert.equal(
        await page.locator(`${table} td.num a`).count(),
        n,
        `${table}: each figure links`,
      );
    }
    assert.equal(
      await page.locator('p.overall a').count(),
      5,
      'overall: peers, minutes, 2 MOS, share',
    );
    // Today (UTC): its count equals the peers finishing today, its link lists exactly them, and a simulated
    // peer among them opens its report.
    const today = new Date().toISOString().slice(0, 10);
    const expected = seeded.filter((p) => p.day === today).length + real.length;
    const row = page.locator('table.by-day tr', { hasText: today });
    assert.equal(Number(await row.locator('a.day-peers').textContent()), expected, today);
    await row.locator('a.day-peers').click();
    await page.waitForSelector(`h1:text("Peers (${expected})")`);
    assert.equal(await page.locator('a.peer-link').count(), Math.min(25, expected));
    await page.click(`a.peer-link[href="#/apps/${t.appId}/peers/${real[0].peerId}"]`);
    await page.waitForSelector('table.quality-summary');
    // The sessions list is one link away from the overview.
    await page.goto(`${t.url}/dashboard/#/apps/${t.appId}`);
    await page.click('a.sessions-link');
    await page.waitForSelector('h1:text("Sessions")');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a dump dropped on the page is uploaded, imported, and its peer report opens; a picked one too; a corrupt one shows 422', async () => {
    const { page, errors } = await openOverview();
    const bytes = fs.readFileSync(DUMP).toString('base64');
    await page.evaluate(async (b64) => {
      const data = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], 'customer-dump.json.gz', { type: 'application/gzip' }));
      document
        .querySelector('.drop-zone')!
        .dispatchEvent(
          new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
    }, bytes);
    await page.waitForFunction(() => /#\/apps\/[^/]+\/peers\//.test(location.hash), undefined, {
      timeout: 60_000,
    });
    await page.waitForSelector('table.quality-summary');
    const peerId = (await page.evaluate(() => location.hash)).split('/').pop()!;
    const report = await fetch(
      `${t.baseURL}/accounts/${t.accountId}/realtime/kit/${t.appId}/sessions/peer-report/${peerId}`,
      { headers: { authorization: `Bearer ${t.token}` } },
    );
    assert.equal(report.status, 200, 'the imported peer exists');

    await page.goto(`${t.url}/dashboard/#/apps/${t.appId}/quality`);
    await page.waitForSelector('input[name=dump]');
    await page.setInputFiles('input[name=dump]', DUMP);
    await page.waitForFunction(
      (id) => /#\/apps\/[^/]+\/peers\//.test(location.hash) && !location.hash.endsWith(id),
      peerId,
      { timeout: 60_000 },
    );
    await page.waitForSelector('table.quality-summary');

    await page.goto(`${t.url}/dashboard/#/apps/${t.appId}/quality`);
    await page.waitForSelector('input[name=dump]');
    await page.setInputFiles('input[name=dump]', {
      name: 'broken.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"this is": not a dump'),
    });
    await page.waitForSelector('.import-status.error');
    assert.match(
      (await page.locator('.import-status').textContent()) ?? '',
      /^import failed \(422\)/,
    );
    assert.ok(
      errors.every((e) => /422/.test(e)),
      errors.join('\n'),
    );
    await page.close();
  });
});

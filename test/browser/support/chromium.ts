/**
 * Launches Debian's chromium (`/usr/bin/chromium`, installed by
 * `scripts/install-browser-deps.sh`) through playwright-core: no browser
 * download. Headless, fake media devices, a fresh temporary profile per launch
 * (playwright creates and deletes it).
 *
 * Found while writing the tests: without `--allow-loopback-in-peer-connection`
 * Chromium gathers host candidates only on non-loopback interfaces (here
 * 192.0.2.2 on eth0); with it, 127.0.0.1 is gathered too, so the call also
 * works on a machine whose only interface is loopback. The TURN server on
 * 127.0.0.1 is reachable either way.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PEER_REPORT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Two peers in one headless browser: do not throttle the hidden one.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/** Why the browser tests cannot run here, or `undefined` when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `${CHROMIUM_PATH} not found (run scripts/install-browser-deps.sh)`;
}

/** Starts headless chromium. Close it with `browser.close()`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
}

/**
 * Everything a browser test needs, started together and torn down together:
 * the peer-report server (real, random port, temp DB), the built collector
 * (served by that server at /collector/v1/), a static server for the test
 * pages, and headless chromium.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { buildCollector } from '../../../collector/build.ts';
import type { ServerConfig } from '../../../src/config.ts';
import { startTestServer } from '../../support/server.ts';
import { chromiumMissing, launchChromium } from './chromium.ts';
import { startStaticServer, type StaticServer } from './static-server.ts';

const PAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'pages');

export interface BrowserEnvironment {
  server: Awaited<ReturnType<typeof startTestServer>>;
  pages: StaticServer;
  browser: Browser;
  /** The stable URLs of the collector bundles on the server. */
  collectorEsmUrl: string;
  collectorIifeUrl: string;
  /** Registers a cleanup step, run (in reverse order) by `close()`. */
  defer(fn: () => Promise<unknown> | unknown): void;
  close(): Promise<void>;
}

/** Builds the collector and starts server (with `serverOverrides`), page server and browser. */
export async function startBrowserEnvironment(
  serverOverrides: Partial<ServerConfig> = {},
): Promise<BrowserEnvironment> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const close = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        console.error('cleanup failed:', e);
      }
    }
  };
  try {
    await buildCollector();
    const server = await startTestServer(serverOverrides);
    cleanups.push(() => server.close());
    const pages = await startStaticServer({ '/': PAGES_DIR });
    cleanups.push(() => pages.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    return {
      server,
      pages,
      browser,
      collectorEsmUrl: `${server.url}/collector/v1/peer-report-collector.js`,
      collectorIifeUrl: `${server.url}/collector/v1/peer-report-collector.iife.js`,
      defer: (fn) => void cleanups.push(fn),
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

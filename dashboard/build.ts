/**
 * Builds the web dashboard with esbuild into `dashboard/dist/`: `app.js`
 * (ESM, uPlot bundled), `app.css` and `index.html`, written aside and renamed
 * into place so a running server never serves a half-written file.
 *
 * Run: `npm run build:dashboard` (part of `npm install` through `prepare`).
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeBuiltAsset } from '../scripts/write-built-asset.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Where the built files go. */
export const DASHBOARD_DIST = join(here, 'dist');

/** Builds the dashboard; returns the bytes of each output file. */
export async function buildDashboard(): Promise<Record<string, number>> {
  const result = await build({
    entryPoints: [join(here, 'src/main.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    outfile: join(DASHBOARD_DIST, 'app.js'),
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  mkdirSync(DASHBOARD_DIST, { recursive: true });
  const sizes: Record<string, number> = {};
  for (const out of result.outputFiles) {
    writeBuiltAsset(out.path, out.contents);
    sizes[out.path.slice(DASHBOARD_DIST.length + 1)] = out.contents.length;
  }
  writeBuiltAsset(join(DASHBOARD_DIST, 'index.html'), readFileSync(join(here, 'index.html')));
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = await buildDashboard();
  for (const [file, bytes] of Object.entries(sizes))
    console.log(`dashboard/dist/${file.padEnd(14)} ${(bytes / 1024).toFixed(1)} KB`);
}

/**
 * Builds the browser collector with esbuild:
 *   dist/peer-report-collector.js       ESM (`import { startCollector } from '…'`)
 *   dist/peer-report-collector.iife.js  classic script, global `PeerReportCollector`
 * both minified with source maps, and prints their gzipped sizes. Fails when
 * the ESM bundle is over the 15 KB gzip budget.
 *
 * Run: `npm run build:collector` (or `node --import tsx collector/build.ts`).
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { writeBuiltAsset } from '../scripts/write-built-asset.ts';

/** ESM gzip budget in bytes. */
export const GZIP_BUDGET_BYTES = 15 * 1024;

const here = dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = join(here, 'dist');
export const ESM_FILE = join(DIST_DIR, 'peer-report-collector.js');
export const IIFE_FILE = join(DIST_DIR, 'peer-report-collector.iife.js');

/** Builds both bundles; returns their gzipped sizes in bytes. Throws when the budget is exceeded. */
export async function buildCollector(): Promise<{ esmGzip: number; iifeGzip: number }> {
  const common: BuildOptions = {
    entryPoints: [join(here, 'src/index.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'browser',
    target: ['chrome90', 'firefox90', 'safari15'],
    legalComments: 'none',
    logLevel: 'warning',
  };
  const esm = await build({ ...common, format: 'esm', outfile: ESM_FILE, write: false });
  const iife = await build({
    ...common,
    format: 'iife',
    globalName: 'PeerReportCollector',
    outfile: IIFE_FILE,
    write: false,
  });
  mkdirSync(DIST_DIR, { recursive: true });
  for (const out of [...esm.outputFiles, ...iife.outputFiles])
    writeBuiltAsset(out.path, out.contents);
  const gz = (file: string) =>
    gzipSync(esm.outputFiles.concat(iife.outputFiles).find((f) => f.path === file)!.contents, {
      level: 9,
    }).length;
  const esmGzip = gz(ESM_FILE);
  const iifeGzip = gz(IIFE_FILE);
  if (esmGzip > GZIP_BUDGET_BYTES) {
    throw new Error(
      `collector ESM bundle is ${esmGzip} B gzipped, over the ${GZIP_BUDGET_BYTES} B budget`,
    );
  }
  return { esmGzip, iifeGzip };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { esmGzip, iifeGzip } = await buildCollector();
    const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
    console.log(
      `collector/dist/peer-report-collector.js       ${kb(esmGzip)} gzipped (budget ${kb(GZIP_BUDGET_BYTES)})`,
    );
    console.log(`collector/dist/peer-report-collector.iife.js  ${kb(iifeGzip)} gzipped`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}

#!/usr/bin/env node
// Launcher. Runs the compiled CLI in dist/ (bundled when dist/cli-bundle/ exists) (built by `npm run build`, which `npm install` runs through `prepare`).
// Without dist/, or with PEER_REPORT_FROM_SOURCE=1, it runs the TypeScript sources through tsx, a development
// dependency: that is how the tests of a working copy run what was just edited.
import { existsSync } from 'node:fs';

// The bundle of dist/ (scripts/bundle-cli.mjs) loads in a fraction of the CPU of dist/'s ~140 modules.
const bundled = new URL('../dist/cli-bundle/main.js', import.meta.url);
const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.PEER_REPORT_FROM_SOURCE !== '1' && existsSync(bundled)) {
  await import(bundled.href);
} else if (process.env.PEER_REPORT_FROM_SOURCE !== '1' && existsSync(compiled)) {
  await import(compiled.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error(
      'peer-report: dist/ is missing and tsx is not installed; run `npm run build` (or `npm install`).',
    );
    process.exit(1);
  }
  register();
  await import('../src/cli/main.ts');
}

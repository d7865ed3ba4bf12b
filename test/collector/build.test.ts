/** The collector bundles: budget, no runtime imports, the IIFE global. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';
import { buildCollector, ESM_FILE, GZIP_BUDGET_BYTES, IIFE_FILE } from '../../collector/build.ts';

test('the build emits an ESM bundle under the gzip budget and an IIFE with the PeerReportCollector global', async () => {
  const { esmGzip, iifeGzip } = await buildCollector();
  assert.ok(esmGzip > 1000 && esmGzip <= GZIP_BUDGET_BYTES, `ESM gzip ${esmGzip} B`);
  assert.ok(iifeGzip > 1000, `IIFE gzip ${iifeGzip} B`);

  const esm = readFileSync(ESM_FILE, 'utf8');
  // Zero runtime dependencies: nothing is imported at run time.
  assert.doesNotMatch(esm, /(^|[;\s])import\s*[\w{*"'(]/);
  assert.match(esm, /export\s*\{[^}]*\bstartCollector\b/);
  for (const name of ['PeerReportCollector', 'runPrecallTest', 'SDK_VERSION'])
    assert.match(esm, new RegExp(`\\bas ${name}\\b|\\b${name}\\b`));

  const sandbox: Record<string, unknown> = {};
  vm.runInNewContext(readFileSync(IIFE_FILE, 'utf8'), sandbox);
  const api = sandbox.PeerReportCollector as Record<string, unknown>;
  assert.equal(typeof api.PeerReportCollector, 'function');
  assert.equal(typeof api.startCollector, 'function');
  assert.equal(typeof api.runPrecallTest, 'function');
  assert.equal(api.SDK_NAME, 'peer-report-collector');
});

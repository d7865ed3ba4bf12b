/**
 * The browser code (collector and the normaliser it bundles) is type-checked without Node's types
 * (tsconfig.browser.json, run by `npm run typecheck`, so in CI): a Node API used there fails the typecheck instead
 * of failing in a browser. Shown here on probe files compiled with that configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '../..');

function browserDiagnostics(code: string): string[] {
  const configFile = path.join(root, 'tsconfig.browser.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-report-browser-ts-'));
  try {
    const probe = path.join(dir, 'probe.ts');
    fs.writeFileSync(probe, code);
    const program = ts.createProgram([probe], options);
    return ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('Node globals and modules do not type-check as browser code', () => {
  const errors = browserDiagnostics(
    "import { readFileSync } from 'node:fs';\nexport const a = process.env.X;\nexport const b = Buffer.from('x');\nexport const c = readFileSync;\n",
  );
  assert.ok(
    errors.some((e) => /Cannot find name 'process'/.test(e)),
    `process refused: ${errors.join('; ')}`,
  );
  assert.ok(
    errors.some((e) => /Cannot find name 'Buffer'/.test(e)),
    `Buffer refused: ${errors.join('; ')}`,
  );
  assert.ok(
    errors.some((e) => /node:fs/.test(e)),
    `node:fs refused: ${errors.join('; ')}`,
  );
});

test('browser APIs type-check', () => {
  const errors = browserDiagnostics(
    'export const ua = navigator.userAgent;\nexport const pc = (c: RTCPeerConnection) => c.getStats();\n',
  );
  assert.deepEqual(errors, [], 'DOM and WebRTC types are there');
});

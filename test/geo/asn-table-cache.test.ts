/** The binary copy of the ASN tables answers exactly as the CSV it was made from. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AsnTable } from '../../src/geo/asn-table.ts';

const ADDRESSES = [
  '1.1.1.1',
  '8.8.8.8',
  '81.2.69.142',
  '16.0.0.1',
  '223.255.255.1',
  '10.0.0.1',
  '2606:4700::1111',
  '2001:4860:4860::8888',
  '2a00:1450:4001::1',
  '::1',
];

test('a table read from its binary copy gives the same answers as one parsed from the CSV', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asn-cache-'));
  try {
    const parsed = new AsnTable(undefined, null);
    const first = new AsnTable(undefined, cacheDir);
    const expected = await Promise.all(ADDRESSES.map((a) => parsed.lookup(a)));
    assert.ok(expected.filter(Boolean).length >= 6, 'most public addresses have an AS');
    assert.deepEqual(await Promise.all(ADDRESSES.map((a) => first.lookup(a))), expected);
    const files = fs.readdirSync(cacheDir);
    assert.equal(
      files.filter((f) => f.endsWith('.bin')).length,
      2,
      `copies written: ${files.join(', ')}`,
    );
    const fromCopy = new AsnTable(undefined, cacheDir);
    assert.deepEqual(await Promise.all(ADDRESSES.map((a) => fromCopy.lookup(a))), expected);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a damaged copy is ignored and replaced', async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'asn-cache-'));
  try {
    await new AsnTable(undefined, cacheDir).lookup('1.1.1.1');
    const [file] = fs.readdirSync(cacheDir).filter((f) => f.includes('ipv4'));
    fs.truncateSync(path.join(cacheDir, file), 1000);
    const answer = await new AsnTable(undefined, cacheDir).lookup('1.1.1.1');
    assert.deepEqual(answer, await new AsnTable(undefined, null).lookup('1.1.1.1'));
    assert.ok(fs.statSync(path.join(cacheDir, file)).size > 1000, 'the copy was written again');
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

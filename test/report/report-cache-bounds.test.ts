/** The report cache's bounds (src/report/report-cache.ts): total bytes, least recently used out first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportCache } from '../../src/report/report-cache.ts';

const body = (bytes: number, fill = 'x') => Buffer.from(fill.repeat(bytes));

test('evicts the least recently used bodies beyond the byte bound', () => {
  const cache = new ReportCache(1_000);
  cache.set('a', body(200));
  cache.set('b', body(200));
  cache.set('c', body(200));
  assert.ok(cache.get('a'), 'a is cached (and now the most recently used)');
  cache.set('d', body(200));
  cache.set('e', body(200));
  // Five bodies of 200 bytes fit the 1,000 exactly.
  assert.equal(cache.size, 5);
  cache.set('f', body(200));
  assert.equal(cache.get('b'), undefined, 'b, the least recently used, went first');
  assert.ok(cache.get('a'), 'a, read recently, stays');
  assert.equal(cache.size, 5);
});

test('a body over a quarter of the bound is not cached; a zero bound disables the cache', () => {
  const cache = new ReportCache(1_000);
  cache.set('big', body(251));
  assert.equal(cache.get('big'), undefined, 'over a quarter of the bound');
  cache.set('fits', body(250));
  assert.deepEqual(cache.get('fits'), body(250));
  cache.set('empty', Buffer.alloc(0));
  assert.deepEqual(cache.get('empty'), Buffer.alloc(0), 'an empty body is cached too');
  const off = new ReportCache(0);
  assert.equal(off.enabled, false);
  off.set('a', body(1));
  assert.equal(off.get('a'), undefined, 'nothing is cached with a zero bound');
  assert.equal(off.size, 0);
});

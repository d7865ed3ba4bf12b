/** The in-memory stream-state hint: least recently used peers go first; partial knowledge is never cached as whole. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamStateCache } from '../../src/ingest/stream-state-cache.ts';

const state = (stream_key: string, last_ts: number) => ({
  stream_key,
  last_ts,
  last_sample: `{"ts":${last_ts}}`,
});

test('keeps the most recently used peers up to its capacity', () => {
  const cache = new StreamStateCache(2);
  cache.set('a', [state('s1', 1)]);
  cache.set('b', [state('s1', 2)]);
  assert.ok(cache.get('a')); // a is now more recent than b
  cache.set('c', []);
  assert.equal(cache.get('b'), undefined);
  assert.deepEqual(cache.get('a'), [state('s1', 1)]);
  assert.deepEqual(cache.get('c'), []);
});

test('committed states update a cached peer stream by stream, and never create an entry', () => {
  const cache = new StreamStateCache();
  cache.set('a', [state('s1', 1), state('s2', 1)]);
  cache.update('a', [state('s2', 5), state('s3', 5)]);
  assert.deepEqual(cache.get('a'), [state('s1', 1), state('s2', 5), state('s3', 5)]);
  cache.update('z', [state('s1', 9)]); // only some of z's streams: not its whole state
  assert.equal(cache.get('z'), undefined);
  cache.forget('a');
  assert.equal(cache.get('a'), undefined);
});

/** The token bucket of the ingest limits, with explicit clocks (pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/api/rate-limiter.ts';

test('a burst passes, then one request per 1/rate seconds; Retry-After says how long', () => {
  const l = new RateLimiter(2, 3);
  const t0 = 1_000_000;
  assert.deepEqual(
    [0, 0, 0].map(() => l.take('a', t0)),
    [0, 0, 0],
  );
  assert.equal(l.take('a', t0), 0.5);
  // 0.998 of a token refilled in 499 ms at 2/s: the missing 0.002 comes in 1 ms.
  assert.ok(Math.abs(l.take('a', t0 + 499) - 0.001) < 1e-9);
  assert.equal(l.take('b', t0), 0, 'keys are independent');
});

test('refills to the burst, never beyond', () => {
  const l = new RateLimiter(10, 2);
  const t0 = 0;
  l.take('a', t0);
  l.take('a', t0);
  assert.ok(l.take('a', t0) > 0);
  const later = t0 + 60_000;
  assert.equal(l.take('a', later), 0);
  assert.equal(l.take('a', later), 0);
  assert.ok(l.take('a', later) > 0);
});

test('rate 0 disables; memory stays bounded by pruning full buckets', () => {
  assert.equal(new RateLimiter(0, 0).take('a'), 0);
  const l = new RateLimiter(1, 1, 100);
  for (let i = 0; i < 1_000; i++) l.take(`k${i}`, i * 10_000);
  assert.ok(l.size <= 100, `${l.size} buckets`);
  assert.ok(l.size > 0, 'l.size > 0');
});

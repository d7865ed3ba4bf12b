/** The retry rules of webhook delivery (pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  attemptVerdict,
  retryDelayMs,
  withinRetryWindow,
} from '../../src/webhooks/retry-policy.ts';

test('2xx delivered; 5xx, 408, 429 and network errors retried; other statuses final', () => {
  for (const s of [200, 201, 204, 299])
    assert.equal(attemptVerdict({ statusCode: s }), 'delivered', String(s));
  for (const s of [500, 502, 503, 504, 599, 408, 429])
    assert.equal(attemptVerdict({ statusCode: s }), 'retry', String(s));
  for (const s of [300, 301, 302, 304, 400, 401, 403, 404, 410, 422])
    assert.equal(attemptVerdict({ statusCode: s }), 'failed', String(s));
  assert.equal(attemptVerdict({ error: 'connect ECONNREFUSED' }), 'retry');
});

test('backoff doubles from the base, stays within [half, full] of its step, and never passes the cap', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 60_000 }),
      fc.integer({ min: 1, max: 86_400_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (attempts, base, cap, r) => {
        const step = Math.min(cap, base * 2 ** (attempts - 1));
        const d = retryDelayMs(attempts, base, cap, r);
        assert.ok(d >= Math.floor(step / 2) && d <= Math.ceil(step), `${d} for step ${step}`);
        assert.ok(d <= cap + 1, 'd <= cap + 1');
      },
    ),
  );
  assert.equal(retryDelayMs(1, 10_000, 3_600_000, 1), 10_000);
  assert.equal(retryDelayMs(4, 10_000, 3_600_000, 1), 80_000);
  assert.equal(retryDelayMs(30, 10_000, 3_600_000, 0), 1_800_000);
});

test('defaults retry for 24 h: about 40 attempts before giving up', () => {
  const created = 0;
  let at = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    const next = at + retryDelayMs(attempts, 10_000, 3_600_000, 0.5);
    if (!withinRetryWindow(created, next, 24 * 3_600_000)) break;
    at = next;
  }
  assert.ok(
    at <= 24 * 3_600_000 && at > 23 * 3_600_000 - 3_600_000,
    `last retry at ${(at / 3_600_000).toFixed(1)} h`,
  );
  assert.ok(attempts >= 30 && attempts <= 45, `${attempts} attempts`);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, isRetriable, retryCeilingMs } from '../../collector/src/retry.ts';

test('network errors, 408, 429 and 5xx are retried; other 4xx are final', () => {
  for (const s of [0, 408, 429, 500, 502, 503, 504]) assert.equal(isRetriable(s), true, String(s));
  for (const s of [400, 401, 403, 404, 409, 413, 422])
    assert.equal(isRetriable(s), false, String(s));
});

test('backoff doubles from the base, is capped, and keeps at least half of the nominal delay', () => {
  assert.equal(
    backoffDelay(1, 1000, 30_000, () => 0),
    500,
  );
  assert.equal(
    backoffDelay(1, 1000, 30_000, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(3, 1000, 30_000, () => 1),
    4000,
  );
  assert.equal(
    backoffDelay(20, 1000, 30_000, () => 1),
    30_000,
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.double({ min: 0, max: 0.999999, noNaN: true }),
      (attempt, r) => {
        const nominal = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        const d = backoffDelay(attempt, 1000, 30_000, () => r);
        return d >= Math.floor(nominal / 2) && d <= nominal;
      },
    ),
  );
});

test('once the server announced its peer timeout, the retry cap is at most a sixth of it', () => {
  assert.equal(retryCeilingMs(30_000, 30), 5_000);
  assert.equal(retryCeilingMs(30_000, 180), 30_000);
  assert.equal(retryCeilingMs(2_000, 30), 2_000);
  assert.equal(retryCeilingMs(30_000, undefined), 30_000);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 600 }),
      fc.integer({ min: 1, max: 10 }),
      (timeoutS, attempt) =>
        backoffDelay(attempt, 1000, retryCeilingMs(30_000, timeoutS)) <= (timeoutS * 1000) / 6 + 1,
    ),
  );
});

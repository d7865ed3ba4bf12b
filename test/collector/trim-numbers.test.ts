import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { trimNumbers } from '../../collector/src/trim-numbers.ts';

test('float noise is trimmed; integers, strings and nested values are left alone', () => {
  const s = trimNumbers({
    jitter_ms: 0.7999999999999999,
    packets: 610,
    ts: 1795339084600,
    codec: 'audio/opus',
    q: { a: 0.1 + 0.2 },
  });
  assert.deepEqual(s, {
    jitter_ms: 0.8,
    packets: 610,
    ts: 1795339084600,
    codec: 'audio/opus',
    q: { a: 0.1 + 0.2 },
  });
});

test('the difference of two trimmed counters stays within 0.0001 of the true difference', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1e9, noNaN: true }),
      fc.double({ min: 0, max: 1e4, noNaN: true }),
      (a, d) => {
        const x = trimNumbers({ v: a }).v;
        const y = trimNumbers({ v: a + d }).v;
        return Math.abs(y - x - d) <= 1e-4 + 1e-9 * (a + d);
      },
    ),
  );
});

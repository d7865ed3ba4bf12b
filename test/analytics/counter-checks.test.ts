import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MONOTONIC_COUNTERS, resetReason } from '../../src/analytics/stream-interval.ts';
import { withCarriedCounters } from '../../src/analytics/carry-counters.ts';
import { compileFieldScan } from '../../src/analytics/compile-field-scan.ts';
import type { StreamSample } from '../../src/model/telemetry.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** A video consumer sample with every monotonic counter at `value`. */
function sample(ts: number, value: number): StreamSample {
  const s: Record<string, unknown> = {
    ts,
    pc: 'pc1',
    direction: 'consumer',
    media: 'video',
    ssrc: 42,
    codec: 'video/VP8',
    packets_lost: 3,
  };
  for (const key of MONOTONIC_COUNTERS) s[key] = value;
  return s as unknown as StreamSample;
}

describe('counter checks over the field lists (compiled per field)', () => {
  it('names each monotonic counter that goes down, and only that one', () => {
    for (const key of MONOTONIC_COUNTERS) {
      const prev = sample(T0, 100);
      const cur = { ...sample(T0 + 1000, 200), [key]: 99 };
      assert.equal(resetReason(prev, cur), `counter:${key}`, key);
      assert.equal(resetReason(prev, { ...cur, [key]: 100 }), undefined, `${key} equal`);
      assert.equal(resetReason(prev, { ...cur, [key]: undefined }), undefined, `${key} absent`);
      // A stored state went through JSON: a non-finite value came back as null, which is no counter.
      assert.equal(
        resetReason({ ...prev, [key]: null } as unknown as StreamSample, cur),
        undefined,
        `${key} null before`,
      );
      assert.equal(
        resetReason(prev, { ...cur, [key]: null } as unknown as StreamSample),
        undefined,
        `${key} null after`,
      );
    }
  });

  it('checks the counters after the ssrc, time and codec rules, in list order', () => {
    const prev = sample(T0, 100);
    const cur = sample(T0 + 1000, 50);
    assert.equal(resetReason(prev, cur), `counter:${MONOTONIC_COUNTERS[0]}`);
    assert.equal(resetReason(prev, { ...cur, ssrc: 7 }), 'ssrc');
    assert.equal(resetReason(prev, { ...cur, ts: T0 - 1 }), 'timestamp');
    assert.equal(resetReason(prev, { ...cur, codec: 'video/VP9' }), 'codec');
  });

  it('carries every cumulative field a continuing sample lacks, and returns a complete one as is', () => {
    const prev = {
      ...sample(T0, 100),
      total_rtt_s: 1.5,
      rtt_measurements: 9,
      quality_limitation_durations: { none: 1 },
    } as StreamSample;
    const complete = { ...prev, ts: T0 + 1000 } as StreamSample;
    assert.equal(withCarriedCounters(prev, complete), complete);
    const carried = [...MONOTONIC_COUNTERS, 'packets_lost', 'total_rtt_s', 'rtt_measurements'];
    for (const key of [...carried, 'quality_limitation_durations']) {
      const cur = { ...complete, [key]: undefined } as StreamSample;
      const out = withCarriedCounters(prev, cur) as unknown as Record<string, unknown>;
      assert.notEqual(out, cur, key);
      assert.deepEqual(out[key], (prev as unknown as Record<string, unknown>)[key], key);
      assert.equal(
        (cur as unknown as Record<string, unknown>)[key],
        undefined,
        `${key}: input untouched`,
      );
    }
    // After a reset nothing is carried.
    const reset = { ...complete, ssrc: 7, packets: undefined } as StreamSample;
    assert.equal(withCarriedCounters(prev, reset), reset);
  });

  it('refuses a field that is not an identifier', () => {
    assert.throws(
      () => compileFieldScan(['packets', 'x; process.exit()'], (f) => `cur.${f};`),
      /not a field name/,
    );
  });
});

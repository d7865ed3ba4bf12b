/**
 * Which loss figure a producer interval uses (src/analytics/interval-figures.ts, `producerLoss`). Issue 14: the
 * choice had a third branch repeating the first one's condition, so it never ran; it is gone, and these cases
 * pin the behaviour that was and stays stored: the receiver's `fraction_lost` wins whenever it is reported, the
 * counters are the fallback, and an interval without packets sent has no loss figure at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveInterval } from '../../src/analytics/stream-interval.ts';
import type { MosResult } from '../../src/analytics/mos-result.ts';
import type { StreamSample } from '../../src/model/telemetry.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function producer(i: number, over: Partial<StreamSample> = {}): StreamSample {
  return {
    ts: T0 + i * 1000,
    pc: 'pc1',
    direction: 'producer',
    media: 'audio',
    ssrc: 2222,
    codec: 'audio/opus',
    clock_rate: 48000,
    packets: 100 * i,
    packets_lost: 0,
    bytes: 8000 * i,
    ...over,
  };
}

const lossOf = (prev: StreamSample, cur: StreamSample) => {
  const d = deriveInterval(prev, cur);
  return { loss: d.metrics.loss, source: (d.row.mos_detail as MosResult).inputs.loss_source };
};

test('fraction_lost wins over the counters when both are there', () => {
  // Counters say 10 % (10 of 100), the receiver's report says 2 %.
  const r = lossOf(producer(1), producer(2, { packets_lost: 10, fraction_lost: 0.02 }));
  assert.deepEqual(r, { loss: 2, source: 'fraction_lost' });
});

test('the counters are the fallback without fraction_lost', () => {
  const r = lossOf(producer(1), producer(2, { packets_lost: 10 }));
  assert.deepEqual(r, { loss: 10, source: 'counters' });
});

test('no packets sent in the interval: no loss figure, even with fraction_lost', () => {
  const r = lossOf(producer(2), producer(2, { ts: T0 + 3000, fraction_lost: 0.5 }));
  assert.deepEqual(r, { loss: undefined, source: undefined });
});

test('after a counter reset the counters are not used; fraction_lost still is', () => {
  // A new SSRC: the counters restart, so `packets_lost` of the new stream says nothing about the interval.
  const reset = producer(2, { ssrc: 3333, packets_lost: 10 });
  assert.deepEqual(lossOf(producer(1), reset), { loss: undefined, source: undefined });
  const withFraction = producer(2, { ssrc: 3333, packets_lost: 10, fraction_lost: 0.05 });
  assert.deepEqual(lossOf(producer(1), withFraction), { loss: 5, source: 'fraction_lost' });
});

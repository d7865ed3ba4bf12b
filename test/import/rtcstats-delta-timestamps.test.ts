/**
 * The delta state's rules for a stat's time and fields, one case each: a stat first seen is one copy of its
 * fields (its id and type first), later deltas change only what they carry, `timestamp: 0` or none on first
 * sight means the report's time, a non-numeric one is no time at all, and `null` removes the stat.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtcstatsDeltaState } from '../../src/import/rtcstats-delta.ts';
import type { RawStat } from '../../src/normalize/types.ts';

const byId = (stats: RawStat[]) => new Map(stats.map((s) => [s.id, s]));

test('a stat first seen takes the report time when its timestamp is 0 or absent, its own when a number', () => {
  const state = new RtcstatsDeltaState();
  const stats = byId(
    state.apply(
      {
        a: { type: 'inbound-rtp', timestamp: 0, packetsReceived: 10 },
        b: { type: 'outbound-rtp', packetsSent: 5 },
        c: { type: 'candidate-pair', timestamp: 1234, bytesSent: 7 },
        timestamp: 999,
      },
      5000,
    ),
  );
  assert.deepEqual(stats.get('a'), {
    id: 'a',
    type: 'inbound-rtp',
    timestamp: 5000,
    packetsReceived: 10,
  });
  assert.equal(stats.get('b')?.timestamp, 5000);
  assert.equal(stats.get('c')?.timestamp, 1234);
  assert.deepEqual(Object.keys(stats.get('a')!).slice(0, 2), ['id', 'type']);
});

test('a non-numeric timestamp is no time: absent on a new stat, the previous one kept on a known stat', () => {
  const state = new RtcstatsDeltaState();
  const first = byId(
    state.apply({ a: { type: 'codec', timestamp: 'soon', mimeType: 'audio/opus' } }, 100),
  );
  assert.equal('timestamp' in first.get('a')!, false);
  assert.equal(first.get('a')?.mimeType, 'audio/opus');
  state.apply({ a: { timestamp: 200, clockRate: 48000 } }, 200);
  const third = byId(state.apply({ a: { timestamp: 'later', channels: 2 } }, 300));
  assert.equal(third.get('a')?.timestamp, 200);
  assert.equal(third.get('a')?.clockRate, 48000);
  assert.equal(third.get('a')?.channels, 2);
});

test('later deltas change only the fields they carry; an id in the fields never renames the stat', () => {
  const state = new RtcstatsDeltaState();
  state.apply({ a: { type: 'inbound-rtp', packetsReceived: 10, bytesReceived: 1000 } }, 1000);
  const next = byId(state.apply({ a: { id: 'other', packetsReceived: 20 } }, 2000));
  assert.deepEqual(next.get('a'), {
    id: 'a',
    type: 'inbound-rtp',
    timestamp: 1000,
    packetsReceived: 20,
    bytesReceived: 1000,
  });
});

test('null removes a stat, and a stat seen again after that starts from its new fields alone', () => {
  const state = new RtcstatsDeltaState();
  state.apply({ a: { type: 'inbound-rtp', packetsReceived: 10, jitter: 0.01 } }, 1000);
  assert.equal(byId(state.apply({ a: null }, 2000)).has('a'), false);
  const again = byId(state.apply({ a: { type: 'inbound-rtp', packetsReceived: 3 } }, 3000));
  assert.deepEqual(again.get('a'), {
    id: 'a',
    type: 'inbound-rtp',
    timestamp: 3000,
    packetsReceived: 3,
  });
});

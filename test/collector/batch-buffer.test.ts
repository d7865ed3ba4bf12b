import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchBuffer } from '../../collector/src/batch-buffer.ts';
import { uuid } from '../../collector/src/ids.ts';

test('take() returns nothing when empty, then everything buffered under a new id, and empties the buffer', () => {
  let n = 0;
  const buffer = new BatchBuffer(() => `batch-${++n}`);
  assert.equal(buffer.take(), undefined);
  buffer.samples.push({
    ts: 1,
    pc: 'p',
    direction: 'producer',
    media: 'audio',
    ssrc: 1,
    packets: 10,
  });
  buffer.events.push({ ts: 1, name: 'mute' });
  buffer.precall = { ts: 1, rtt_ms: 20 };
  assert.equal(buffer.size, 2);
  const batch = buffer.take();
  assert.deepEqual(batch, {
    batch_id: 'batch-1',
    samples: [{ ts: 1, pc: 'p', direction: 'producer', media: 'audio', ssrc: 1, packets: 10 }],
    events: [{ ts: 1, name: 'mute' }],
    precall: { ts: 1, rtt_ms: 20 },
  });
  assert.equal(buffer.take(), undefined);
  buffer.pc_metadata.push({ ts: 2, pc: 'p' });
  assert.equal(buffer.take()?.batch_id, 'batch-2');
});

test('batch ids are distinct v4 UUIDs', () => {
  const ids = new Set(Array.from({ length: 1000 }, uuid));
  assert.equal(ids.size, 1000);
  for (const id of ids)
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('candidate pairs keep only their latest state per connection and pair', () => {
  const buffer = new BatchBuffer(() => 'b');
  buffer.candidate_pairs.push(
    { ts: 1, pc: 'a', id: 'p1', state: 'in-progress' },
    { ts: 1, pc: 'b', id: 'p1', state: 'waiting' },
    { ts: 2, pc: 'a', id: 'p1', state: 'succeeded' },
  );
  assert.deepEqual(buffer.take()?.candidate_pairs, [
    { ts: 2, pc: 'a', id: 'p1', state: 'succeeded' },
    { ts: 1, pc: 'b', id: 'p1', state: 'waiting' },
  ]);
});

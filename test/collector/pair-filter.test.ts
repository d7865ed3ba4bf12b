import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CandidatePairSample } from '../../src/model/telemetry.ts';
import { PairFilter } from '../../collector/src/pair-filter.ts';

const pair = (id: string, state: string, selected = false): CandidatePairSample => ({
  ts: 1,
  pc: 'pc',
  id,
  state,
  selected,
  nominated: selected,
});

test('the selected pair is always sent; other pairs only when new or changed', () => {
  const f = new PairFilter();
  assert.deepEqual(
    f.pick([pair('a', 'in-progress'), pair('b', 'waiting')]).map((p) => p.id),
    ['a', 'b'],
  );
  assert.deepEqual(
    f.pick([pair('a', 'in-progress'), pair('b', 'waiting')]).map((p) => p.id),
    [],
  );
  assert.deepEqual(
    f.pick([pair('a', 'succeeded', true), pair('b', 'waiting')]).map((p) => p.id),
    ['a'],
  );
  assert.deepEqual(
    f.pick([pair('a', 'succeeded', true), pair('b', 'failed')]).map((p) => p.id),
    ['a', 'b'],
  );
  assert.deepEqual(
    f.pick([pair('a', 'succeeded', true), pair('b', 'failed')]).map((p) => p.id),
    ['a'],
  );
});

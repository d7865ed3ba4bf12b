/** Where late samples go (pure): gaps between stored chunks, never inside one; and the merge plan that keeps those gaps. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  groupLateSamples,
  replaceFirstRow,
  type ChunkEdge,
} from '../../src/ingest/late-samples.ts';
import { planTailMerges } from '../../src/store/chunk-compaction.ts';
import type { StreamSample } from '../../src/model/telemetry.ts';

const sample = (ts: number): StreamSample =>
  ({ ts, pc: 'pc', direction: 'consumer', media: 'audio', ssrc: 1 }) as StreamSample;
const edge = (id: number, first: number, last: number, ends = true): ChunkEdge => ({
  id,
  first_ts: first,
  last_ts: last,
  first_sample: ends ? '{}' : null,
  last_sample: ends ? '{}' : null,
});

test('late samples are grouped by the gap they fall in; at or inside a chunk, after the last, or next to a chunk without end samples, they are skipped', () => {
  const edges = [edge(1, 10, 20), edge(2, 40, 50), edge(3, 70, 80), edge(4, 100, 110, false)];
  const late = [5, 10, 15, 20, 25, 30, 30, 40, 60, 80, 90, 120].map(sample);
  const { groups, skipped } = groupLateSamples(late, edges);
  assert.deepEqual(
    groups.map((g) => ({ prev: g.prev?.id, next: g.next.id, ts: g.samples.map((s) => s.ts) })),
    [
      { prev: undefined, next: 1, ts: [5] },
      { prev: 1, next: 2, ts: [25, 30] },
      { prev: 2, next: 3, ts: [60] },
    ],
  );
  // 10, 15, 20 (inside 1), the second 30, 40 (= 2's first), 80 (3's last), 90 (next to 4, which has no end samples), 120 (after the last).
  assert.equal(skipped, 8);
});

test('replaceFirstRow replaces exactly the first stored object, strings with braces and escapes included', () => {
  const rows = Buffer.from('{"a":"}\\"{","b":{"c":1}},{"a":2},{"a":3}');
  assert.equal(replaceFirstRow(rows, '{"x":1}').toString(), '{"x":1},{"a":2},{"a":3}');
  assert.equal(replaceFirstRow(Buffer.from('{"only":true}'), '{"x":1}').toString(), '{"x":1}');
});

test('a merge plan never spans a chunk merged earlier, nor takes a chunk stored too recently', () => {
  const c = (id: number, first_ts: number, received_at = 0) => ({
    id,
    series: 's',
    stream_key: 'k',
    first_ts,
    bytes: 10,
    received_at,
  });
  // Report order: 1 (merged earlier, below the mark 5), then late chunk 7 and 6, then 3 (merged), then 8, 9, 10.
  const all = [c(1, 0), c(7, 10), c(6, 20), c(3, 30), c(8, 40), c(9, 50), c(10, 60, 1_000)];
  assert.deepEqual(planTailMerges(all, 5), [
    [7, 6],
    [8, 9, 10],
  ]);
  assert.deepEqual(planTailMerges(all, 5, 1 << 20, 500), [
    [7, 6],
    [8, 9],
  ]);
});

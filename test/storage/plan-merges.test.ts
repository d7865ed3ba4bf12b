/** Which chunks one merge takes: consecutive chunks of one stream, bounded in bytes (pure). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planMerges } from '../../src/store/chunk-compaction.ts';
import type { ChunkSummary } from '../../src/store/quality-chunks-read.ts';

const chunk = (id: number, stream: string, bytes: number): ChunkSummary => ({
  id,
  series: 'audio_consumer',
  stream_key: stream,
  first_ts: id * 1000,
  bytes,
});

test('runs stop at a stream change and at the byte bound; a lone chunk is left alone', () => {
  const chunks = [
    chunk(1, 'a', 40),
    chunk(2, 'a', 40),
    chunk(3, 'a', 40),
    chunk(4, 'b', 40),
    chunk(5, 'c', 10),
    chunk(6, 'c', 10),
  ];
  assert.deepEqual(planMerges(chunks, 100), [
    [1, 2],
    [5, 6],
  ]);
  assert.deepEqual(planMerges(chunks, 120), [
    [1, 2, 3],
    [5, 6],
  ]);
  assert.deepEqual(
    planMerges([chunk(1, 'a', 500), chunk(2, 'a', 10), chunk(3, 'a', 10)], 100),
    [[2, 3]],
    'a chunk above the bound stays alone',
  );
});

test('every chunk is in at most one run; runs are consecutive, of one stream, within the bound', () => {
  const summaries = fc.array(
    fc.record({ stream: fc.constantFrom('a', 'b', 'c'), bytes: fc.integer({ min: 1, max: 300 }) }),
    { maxLength: 60 },
  );
  fc.assert(
    fc.property(summaries, fc.integer({ min: 1, max: 1000 }), (list, maxBytes) => {
      // In report order: grouped by stream.
      const chunks = list
        .map((c, i) => chunk(i + 1, c.stream, c.bytes))
        .sort((x, y) =>
          x.stream_key < y.stream_key ? -1 : x.stream_key > y.stream_key ? 1 : x.id - y.id,
        );
      const position = new Map(chunks.map((c, i) => [c.id, i]));
      const byId = new Map(chunks.map((c) => [c.id, c]));
      const seen = new Set<number>();
      for (const run of planMerges(chunks, maxBytes)) {
        assert.ok(run.length >= 2, 'run.length >= 2');
        for (const id of run) {
          assert.ok(!seen.has(id), '!seen.has(id)');
          seen.add(id);
        }
        for (let i = 1; i < run.length; i++)
          assert.equal(position.get(run[i]), position.get(run[i - 1])! + 1, 'consecutive');
        assert.equal(new Set(run.map((id) => byId.get(id)!.stream_key)).size, 1, 'one stream');
        assert.ok(
          run.reduce((a, id) => a + byId.get(id)!.bytes, 0) <= maxBytes,
          'within the bound',
        );
      }
    }),
  );
});

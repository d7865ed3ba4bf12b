/**
 * Coalesced reads (src/ingest/coalesced-reads.ts): the keys asked for while
 * reads are in flight go together in the next read, each get receives its own
 * key's value, and a failed read fails its gets only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescedReads } from '../../src/ingest/coalesced-reads.ts';

/** A backing "database" whose reads finish when the test says, recording the keys of each. */
function manualReads(values: Record<string, number>) {
  const reads: { keys: string[]; finish(): void; fail(err: Error): void }[] = [];
  const read = (keys: string[]) =>
    new Promise<Map<string, number>>((resolve, reject) => {
      reads.push({
        keys,
        finish: () => resolve(new Map(keys.filter((k) => k in values).map((k) => [k, values[k]]))),
        fail: reject,
      });
    });
  return { reads, read };
}

const turn = () => new Promise((r) => setImmediate(r));

test('an idle reader reads a key on the next turn', async () => {
  const { reads, read } = manualReads({ a: 1 });
  const got = new CoalescedReads(read).get('a');
  await turn();
  assert.deepEqual(
    reads.map((r) => r.keys),
    [['a']],
  );
  reads[0].finish();
  assert.equal(await got, 1);
});

test('keys asked for while the reads are in flight go in one read, each get its own value', async () => {
  const { reads, read } = manualReads({ a: 1, b: 2, c: 3 });
  const reader = new CoalescedReads(read, 1);
  const first = reader.get('a');
  await turn();
  const later = [reader.get('b'), reader.get('c'), reader.get('b'), reader.get('none')];
  await turn();
  assert.equal(reads.length, 1, 'nothing more while the one allowed read is in flight');
  reads[0].finish();
  assert.equal(await first, 1);
  await turn();
  assert.deepEqual(reads[1].keys, ['b', 'c', 'none'], 'the waiting keys, once each');
  reads[1].finish();
  assert.deepEqual(await Promise.all(later), [2, 3, 2, undefined]);
});

test('a read carries at most maxKeys keys; the rest go in the next', async () => {
  const { reads, read } = manualReads({ a: 1, b: 2, c: 3 });
  const reader = new CoalescedReads(read, 2, 2);
  const got = ['a', 'b', 'c'].map((k) => reader.get(k));
  await turn();
  await turn();
  assert.deepEqual(
    reads.map((r) => r.keys),
    [['a', 'b'], ['c']],
    'two reads in flight at once',
  );
  for (const r of reads) r.finish();
  assert.deepEqual(await Promise.all(got), [1, 2, 3]);
});

test('a failed read fails its gets only, and the reader goes on', async () => {
  const { reads, read } = manualReads({ a: 1, b: 2 });
  const reader = new CoalescedReads(read, 1);
  const failed = reader.get('a');
  await turn();
  const next = reader.get('b');
  reads[0].fail(new Error('connection lost'));
  await assert.rejects(failed, /connection lost/);
  await turn();
  assert.deepEqual(reads[1].keys, ['b']);
  reads[1].finish();
  assert.equal(await next, 2);
});

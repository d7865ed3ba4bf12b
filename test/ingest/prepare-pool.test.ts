/**
 * Batches prepared on the ingest worker threads (parse, validate, derive) are
 * exactly what the inline preparation gives: same stored bytes, same states,
 * same errors naming the same field.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PreparePool } from '../../src/ingest/prepare-pool.ts';
import { prepareBatch, type PreparedBatch } from '../../src/ingest/batch-preparation.ts';
import type { KnownState } from '../../src/ingest/derive-stream-chunks.ts';
import { syntheticBatches } from '../../src/simulate/synthetic-call.ts';
import { CALL_PROFILES } from '../../src/simulate/call-profiles.ts';

let pool: PreparePool;
before(() => {
  pool = new PreparePool(2);
});
after(() => pool.close());

/** The stream states a prepared batch leaves behind, as the next batch reads them. */
function statesAfter(p: PreparedBatch, known: KnownState[]): KnownState[] {
  if (!p.ok || !p.derived) return known;
  const next = new Map(known.map((k) => [k.stream_key, k]));
  for (const s of p.derived.states)
    next.set(s.stream_key, {
      stream_key: s.stream_key,
      last_ts: s.last_ts,
      last_sample: s.last_sample,
    });
  return [...next.values()];
}

test('a whole call prepared on worker threads stores the same bytes as prepared inline', async () => {
  const batches = [
    ...syntheticBatches({
      profile: CALL_PROFILES['congested-4g'],
      startMs: 1_700_000_000_000,
      minutes: 3,
      batchSeconds: 10,
      seed: 7,
      batchIdPrefix: 'batch-of-peer-1-',
    }),
  ];
  assert.ok(batches.length >= 18, 'batches.length >= 18');
  let known: KnownState[] = [];
  let rows = 0;
  for (const batch of batches) {
    const text = JSON.stringify(batch);
    const [fromWorker, inline] = [
      await pool.prepare(text, 'peer-1', known),
      prepareBatch(text, 'peer-1', known),
    ];
    assert.ok(fromWorker.ok && inline.ok, 'fromWorker.ok && inline.ok');
    assert.ok(Buffer.isBuffer(fromWorker.derived!.chunks[0].rows_json), 'rows arrive as Buffers');
    assert.deepEqual(fromWorker, inline);
    rows += inline.derived!.stored;
    known = statesAfter(inline, known);
  }
  assert.equal(
    rows,
    batches.reduce((n, b) => n + (b.samples?.length ?? 0), 0),
  );
});

test('bad batches are refused by the workers exactly as inline, naming the field', async () => {
  const good = [
    ...syntheticBatches({
      profile: CALL_PROFILES.clean,
      startMs: 1_700_000_000_000,
      minutes: 0.2,
      batchSeconds: 10,
      seed: 1,
      batchIdPrefix: 'batch-of-peer-1-',
    }),
  ][0];
  const cases: [string, RegExp][] = [
    ['{"batch_id": "x", "samples": [', /^body$/],
    [
      JSON.stringify({ ...good, samples: [{ ...good.samples![0], ts: 'yesterday' }] }),
      /^samples\[0\]\.ts$/,
    ],
    [JSON.stringify({ samples: good.samples }), /batch_id/],
  ];
  for (const [text, field] of cases) {
    const [fromWorker, inline] = [
      await pool.prepare(text, 'peer-1', []),
      prepareBatch(text, 'peer-1', []),
    ];
    assert.equal(fromWorker.ok, false);
    assert.deepEqual(fromWorker, inline);
    assert.match((fromWorker as { field: string }).field, field);
  }
});

test('samples not newer than the stored state are skipped, on the workers as inline', async () => {
  const [first, second] = [
    ...syntheticBatches({
      profile: CALL_PROFILES.clean,
      startMs: 1_700_000_000_000,
      minutes: 0.4,
      batchSeconds: 10,
      seed: 3,
      batchIdPrefix: 'batch-of-peer-1-',
    }),
  ];
  const after1 = statesAfter(prepareBatch(JSON.stringify(first), 'p', []), []);
  // The first batch again, against the states it produced: everything is old.
  const again = await pool.prepare(JSON.stringify(first), 'p', after1);
  assert.ok(again.ok && again.derived, 'again.ok && again.derived');
  assert.equal(again.derived.stored, 0);
  assert.equal(again.derived.skipped, first.samples!.length);
  const next = await pool.prepare(JSON.stringify(second), 'p', after1);
  assert.ok(
    next.ok && next.derived && next.derived.stored === second.samples!.length,
    'next.ok && next.derived && next.derived.stored === second.samples!.length',
  );
});

test('workers that cannot start are not respawned in a loop: batches are prepared on the event loop', async () => {
  const broken = new PreparePool(2, new URL('./fixtures/broken-worker.ts', import.meta.url));
  try {
    const text = JSON.stringify(
      [
        ...syntheticBatches({
          profile: CALL_PROFILES.clean,
          startMs: 1_700_000_000_000,
          minutes: 0.2,
          batchSeconds: 10,
          seed: 5,
          batchIdPrefix: 'batch-of-peer-1-',
        }),
      ][0],
    );
    // Until both workers have failed, a batch may be refused with the worker's error; then it is prepared inline.
    let prepared: PreparedBatch | undefined;
    for (let i = 0; i < 100 && !prepared; i++) {
      prepared = await broken.prepare(text, 'p', []).catch(() => undefined);
      if (!prepared) await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(prepared, prepareBatch(text, 'p', []));
  } finally {
    await broken.close();
  }
});

test('ready() waits for the workers to load their code; for workers that cannot start, until they failed', async () => {
  const text = JSON.stringify(
    [
      ...syntheticBatches({
        profile: CALL_PROFILES.clean,
        startMs: 1_700_000_000_000,
        minutes: 0.2,
        batchSeconds: 10,
        seed: 6,
        batchIdPrefix: 'batch-of-peer-1-',
      }),
    ][0],
  );
  const fresh = new PreparePool(1);
  const broken = new PreparePool(2, new URL('./fixtures/broken-worker.ts', import.meta.url));
  try {
    await Promise.all([fresh.ready(), broken.ready()]);
    assert.deepEqual(await fresh.prepare(text, 'p', []), prepareBatch(text, 'p', []));
    // Both broken workers are gone by now: the first batch is prepared inline, not refused.
    assert.deepEqual(await broken.prepare(text, 'p', []), prepareBatch(text, 'p', []));
  } finally {
    await Promise.all([fresh.close(), broken.close()]);
  }
});

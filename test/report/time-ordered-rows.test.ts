/**
 * Per-sample arrays in time order when a series mixes streams (issue 12,
 * item 9): a reload's two connections one after the other, two remote tracks
 * at the same time, and rows whose string values look like row boundaries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  rowsInTimeOrder,
  splitRows,
  type OrderableChunk,
} from '../../src/report/time-ordered-rows.ts';

const T0 = Date.UTC(2026, 10, 30, 6, 0, 0);

function chunk(
  id: number,
  stream: string,
  times: number[],
  extra: Record<string, unknown> = {},
): OrderableChunk {
  const rows = times.map((t) =>
    JSON.stringify({
      mid: '0',
      ...extra,
      stream,
      timestamp: new Date(t).toISOString(),
      mos_detail: { inputs: { rtt_ms: 20 } },
    }),
  );
  return {
    id,
    stream_key: stream,
    first_ts: times[0],
    last_ts: times.at(-1)!,
    rows_json: Buffer.from(rows.join(','), 'utf8'),
  };
}

function parse(parts: Buffer[]): { stream: string; timestamp: string }[] {
  return JSON.parse(`[${Buffer.concat(parts).toString('utf8')}]`) as {
    stream: string;
    timestamp: string;
  }[];
}

function assertSorted(rows: { timestamp: string }[]): void {
  for (let i = 1; i < rows.length; i++)
    assert.ok(
      rows[i - 1].timestamp <= rows[i].timestamp,
      `row ${i} goes back in time: ${rows[i - 1].timestamp} then ${rows[i].timestamp}`,
    );
}

test('two connections one after the other (stored in stream-key order): whole chunks, in time order', () => {
  // Storage order is by stream key: the later connection's key sorts first.
  const later = chunk(3, 'a-pc2|producer|1', [T0 + 32_000, T0 + 34_000, T0 + 36_000]);
  const earlier1 = chunk(1, 'b-pc1|producer|1', [T0, T0 + 2_000, T0 + 4_000]);
  const earlier2 = chunk(2, 'b-pc1|producer|1', [T0 + 6_000, T0 + 8_000]);
  const parts = rowsInTimeOrder([later, earlier1, earlier2]);
  const rows = parse(parts);
  assert.equal(rows.length, 8);
  assertSorted(rows);
  // No overlap: the chunks were kept whole (three pieces and two commas).
  assert.equal(parts.length, 5);
  assert.ok(parts.includes(later.rows_json), 'parts.includes(later.rows_json)');
});

test('two tracks at the same time: rows interleaved by time, ties in stream order', () => {
  const a = [
    chunk(1, 'pc|consumer|10', [T0, T0 + 2_000, T0 + 4_000]),
    chunk(3, 'pc|consumer|10', [T0 + 6_000, T0 + 8_000]),
  ];
  const b = [
    chunk(2, 'pc|consumer|20', [T0 + 1_000, T0 + 3_000, T0 + 4_000]),
    chunk(4, 'pc|consumer|20', [T0 + 7_000]),
  ];
  const rows = parse(rowsInTimeOrder([...a, ...b]));
  assert.equal(rows.length, 9);
  assertSorted(rows);
  const at4 = rows
    .filter((r) => r.timestamp === new Date(T0 + 4_000).toISOString())
    .map((r) => r.stream);
  assert.deepEqual(at4, ['pc|consumer|10', 'pc|consumer|20']);
});

test('string values that look like row boundaries or timestamps do not cut a row', () => {
  const tricky = {
    producer_id: '},{"timestamp":"1999-01-01T00:00:00.000Z"}',
    consumer_id: 'a\\"},{',
    mid: '{{{',
  };
  const a = chunk(1, 'k1', [T0 + 1_000, T0 + 3_000], tricky);
  const b = chunk(2, 'k2', [T0, T0 + 2_000], tricky);
  assert.equal(splitRows(a.rows_json).length, 2);
  const rows = parse(rowsInTimeOrder([a, b]));
  assert.equal(rows.length, 4);
  assertSorted(rows);
  assert.deepEqual(
    rows.map((r) => r.stream),
    ['k2', 'k1', 'k2', 'k1'],
  );
});

test('no chunks, or empty ones, give an empty array', () => {
  assert.deepEqual(rowsInTimeOrder([]), []);
  assert.deepEqual(
    parse(
      rowsInTimeOrder([
        { id: 1, stream_key: 'k', first_ts: T0, last_ts: T0, rows_json: Buffer.alloc(0) },
      ]),
    ),
    [],
  );
});

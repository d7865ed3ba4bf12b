/**
 * The export's pure parts: CSV fields survive any text (RFC 4180 round trip,
 * checked with generated strings), cursors round-trip and foreign ones are
 * refused, parameters are checked naming the field, and statement texts map
 * to a small set of operation labels.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { csvField, csvHeader, csvLine } from '../../src/export/export-format.ts';
import { EXPORT_COLUMNS, type ExportRow } from '../../src/export/export-row.ts';
import { decodeCursor, encodeCursor } from '../../src/export/export-cursor.ts';
import { ExportParamError, parseExportParams } from '../../src/export/export-params.ts';
import { sqlOperation } from '../../src/metrics/query-operation.ts';
import { parseCsv } from '../support/csv.ts';

describe('CSV encoding', () => {
  test('any cell values come back whole through an RFC 4180 reader', () => {
    const cell = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom('"', ',', '\r\n', '\n', '\r', '""', ' a , "b" '),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(cell, { minLength: EXPORT_COLUMNS.length, maxLength: EXPORT_COLUMNS.length }),
        (cells) => {
          const row: ExportRow = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, cells[i]]));
          const [header, record, ...rest] = parseCsv(csvHeader() + csvLine(row));
          assert.deepEqual(header, [...EXPORT_COLUMNS]);
          assert.deepEqual(
            record,
            cells.map((v) => (v === null ? '' : String(v))),
          );
          assert.equal(rest.length, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('quotes only what needs it', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(false), 'false');
    assert.equal(csvField(4.25), '4.25');
    assert.equal(csvField([{ kind: 'loss' }, 'rtt']), '"[{""kind"":""loss""},""rtt""]"');
  });
});

describe('export cursor', () => {
  test('round-trips any position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), fc.uuid(), (leftAt, peerId) => {
        assert.deepEqual(decodeCursor(encodeCursor({ leftAt, peerId })), { leftAt, peerId });
      }),
    );
  });

  test('refuses what is not one of its cursors', () => {
    for (const text of [
      '',
      'not a cursor',
      'djE6MTI6bm90LWEtdXVpZA',
      Buffer.from('v2:12:00000000-0000-4000-8000-000000000000').toString('base64url'),
      Buffer.from('v1:-5:00000000-0000-4000-8000-000000000000').toString('base64url'),
      'x'.repeat(500),
    ]) {
      assert.equal(decodeCursor(text), undefined, text);
    }
  });
});

describe('export parameters', () => {
  const parse = (q: Record<string, string>) => parseExportParams((n) => q[n]);
  const fieldOf = (q: Record<string, string>) => {
    try {
      parse(q);
    } catch (err) {
      assert.ok(err instanceof ExportParamError, 'err instanceof ExportParamError');
      return err.field;
    }
    return undefined;
  };
  const range = { since: '2026-11-01T00:00:00Z', until: '2026-11-02T00:00:00+01:00' };

  test('reads a valid set', () => {
    const cursor = encodeCursor({ leftAt: 5, peerId: '00000000-0000-4000-8000-000000000000' });
    assert.deepEqual(parse({ ...range, format: 'CSV', cursor, limit: '10' }), {
      since: Date.parse(range.since),
      until: Date.parse(range.until),
      format: 'csv',
      after: { leftAt: 5, peerId: '00000000-0000-4000-8000-000000000000' },
      limit: 10,
    });
    assert.equal(parse({ since: '2026-11-01', until: '2026-11-02' }).format, 'ndjson');
  });

  test('names the bad field', () => {
    assert.equal(fieldOf({ until: range.until }), 'since');
    assert.equal(fieldOf({ since: range.since }), 'until');
    assert.equal(fieldOf({ since: 'Nov 1 2026', until: range.until }), 'since');
    assert.equal(fieldOf({ since: range.since, until: range.since }), 'until');
    assert.equal(fieldOf({ ...range, format: 'json' }), 'format');
    assert.equal(fieldOf({ ...range, cursor: '!!' }), 'cursor');
    for (const limit of ['0', '-1', '1.5', '1e3', '999999999999'])
      assert.equal(fieldOf({ ...range, limit }), 'limit', limit);
  });
});

describe('query operation labels', () => {
  test('verb and first table, whatever the parameters', () => {
    assert.equal(sqlOperation('select "id" from "peers" where "id" in (?, ?, ?)'), 'select peers');
    assert.equal(
      sqlOperation('insert into "quality_chunks" ("a") values ($1), ($2)'),
      'insert quality_chunks',
    );
    assert.equal(sqlOperation('update "peers" set "x" = $1'), 'update peers');
    assert.equal(sqlOperation('delete from "stream_state" where 1'), 'delete stream_state');
    assert.equal(sqlOperation('commit'), 'commit');
    assert.equal(sqlOperation('  BEGIN IMMEDIATE'), 'begin');
    assert.equal(sqlOperation('select pg_advisory_xact_lock(1)'), 'select');
    assert.equal(sqlOperation('explode everything'), 'other');
  });
});

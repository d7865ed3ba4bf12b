/** A strict RFC 4180 reader for assertions on CSV output (the server only writes CSV). */
import assert from 'node:assert/strict';

/** RFC 4180 records (quoted fields may hold commas, quotes doubled, CR and LF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' && field === '') {
      i++;
      while (true) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'unterminated quoted field');
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else if (ch === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      assert.notEqual(ch, '\n', 'bare LF outside a quoted field');
      assert.notEqual(ch, '"', 'quote inside an unquoted field');
      field += ch;
      i++;
    }
  }
  assert.equal(field, '', 'last record without CRLF');
  assert.equal(record.length, 0, 'last record without CRLF');
  return records;
}

/**
 * A body sent as parts (src/api/body-parts.ts) is the same bytes as the parts joined, whatever their sizes:
 * large parts pass as they are, runs of small ones are joined into pieces, and the length is the sum.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { joinSmallParts, partsBody } from '../../src/api/body-parts.ts';

const part = fc.uint8Array({ minLength: 0, maxLength: 300 });

test('pieces join to the parts joined, small runs reach the piece size, large parts stay uncopied', () => {
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 60 }),
      fc.integer({ min: 1, max: 400 }),
      (parts, size) => {
        const pieces = joinSmallParts(parts, size);
        assert.deepEqual(Buffer.concat(pieces), Buffer.concat(parts));
        for (const p of pieces) assert.ok(p.byteLength > 0);
        // A part at least the piece size is passed as the same memory.
        for (const p of parts.filter((x) => x.byteLength >= size))
          assert.ok(pieces.some((q) => q.buffer === p.buffer && q.byteOffset === p.byteOffset));
        // Between large parts, every piece but a run's last is at least the piece size.
        for (let i = 0; i + 1 < pieces.length; i++) {
          const next = pieces[i + 1];
          const nextIsLarge = parts.some((x) => x.byteLength >= size && x.buffer === next.buffer);
          if (!nextIsLarge && pieces[i].byteLength < size)
            assert.fail(`piece ${i} of ${pieces[i].byteLength} bytes before a small piece`);
        }
      },
    ),
  );
});

test('the body reads back as the joined bytes with the summed length, as one part or as a stream', async () => {
  const big = Buffer.alloc(200_000, 7);
  for (const parts of [
    [Buffer.from('{"a":')],
    [Buffer.from('{"a":['), big, Buffer.from(','), big, Buffer.from(']}')],
  ]) {
    const { body, length } = partsBody(parts);
    const joined = Buffer.concat(parts);
    assert.equal(length, joined.byteLength);
    const read = Buffer.from(await new Response(body).arrayBuffer());
    assert.ok(read.equals(joined));
  }
});

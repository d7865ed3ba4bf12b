/**
 * The dense accumulator of the quality queries' per-peer path builds the same bucket as adding each peer with
 * `addPeer`: verdicts, issue kinds, verdict × kind and every histogram, from rows as the databases return them
 * (numbers or numeric strings, nulls for missing figures), including scale ends and masks with every kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BucketAccumulator, FIGURE_ROW_COLUMNS } from '../../src/rollup/bucket-accumulator.ts';
import { addPeer, emptyBucket } from '../../src/rollup/bucket-data.ts';
import { ISSUE_KINDS, VERDICTS } from '../../src/rollup/rollup-diagnosis.ts';
import type { PeerRollup } from '../../src/rollup/peer-rollup.ts';

type Figures = Pick<PeerRollup, (typeof FIGURE_ROW_COLUMNS)[number]>;

const figure = (max: number) =>
  fc.option(
    fc.oneof(
      fc.double({ min: 0, max, noNaN: true }),
      fc.constantFrom(0, max, max * 2, 1, 0.01, 0.1),
    ),
    { nil: null },
  );

const peerFigures: fc.Arbitrary<Figures> = fc.record({
  minutes: fc.double({ min: 0, max: 600, noNaN: true }),
  audio_mos: fc.option(fc.double({ min: 1, max: 5, noNaN: true }), { nil: null }),
  video_mos: fc.option(fc.double({ min: 0.5, max: 5.5, noNaN: true }), { nil: null }),
  loss_p50: figure(100),
  rtt_p50: figure(10_000),
  jitter_p50: figure(1_000),
  verdict: fc.constantFrom(...VERDICTS),
  issue_mask: fc.integer({ min: 0, max: 2 ** ISSUE_KINDS.length - 1 }),
});

test('the accumulator builds the bucket addPeer builds, from rows of numbers or numeric strings', () => {
  fc.assert(
    fc.property(
      fc.array(peerFigures, { maxLength: 60 }),
      fc.boolean(),
      fc.nat(3),
      (peers, asStrings, offset) => {
        const expected = emptyBucket();
        const acc = new BucketAccumulator();
        let minutes = 0;
        for (const p of peers) {
          addPeer(expected, p as PeerRollup);
          minutes += p.minutes;
          // The group columns come first; PostgreSQL may give numbers as strings.
          const row: unknown[] = [
            ...Array.from({ length: offset }, (_, i) => `group${i}`),
            ...FIGURE_ROW_COLUMNS.map((c) =>
              asStrings && typeof p[c] === 'number' ? String(p[c]) : p[c],
            ),
          ];
          acc.addRow(row, offset);
        }
        assert.deepEqual(acc.bucket(), expected);
        assert.equal(acc.peers, peers.length);
        assert.ok(Math.abs(acc.minutes - minutes) < 1e-6, 'minutes');
      },
    ),
    { numRuns: 300 },
  );
});

test('an unknown verdict in a row is an error, not a peer counted nowhere', () => {
  const acc = new BucketAccumulator();
  assert.throws(
    () => acc.addRow([1, 4, 4, 0, 10, 1, 'terrible', 0], 0),
    /unknown verdict terrible/,
  );
});

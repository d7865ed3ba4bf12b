/**
 * The select list of a per-peer figure row packed in the database, for {@link BucketAccumulator.addPacked}:
 * `minutes`, then the five histogram bucket indexes as one integer, then the issue mask and verdict rank as one.
 *
 * Why: a three-dimension quality query reads tens of thousands of peer rows (two filters grouped by a third: no
 * bucket holds them). PostgreSQL sends each value as text, and the client makes and parses a string per value;
 * at 1,000,000 peers that was most of the query's time. Packed, a row is three values instead of eight, and the
 * database formats integers instead of doubles.
 *
 * The database finds a value's bucket by counting the bucket edges at or below it (`width_bucket` over
 * {@link bucketThresholds}, the exact doubles where `bucketOf` steps), not with a logarithm of its own that could
 * round differently: the packed and plain rows give the same counts by construction.
 */
import { sql, type AliasedRawBuilder } from 'kysely';
import {
  FIGURE_ROW_COLUMNS,
  PACKED_BUCKET_BITS,
  PACKED_NO_FIGURE,
} from '../rollup/bucket-accumulator.ts';
import { HISTOGRAMS } from '../rollup/bucket-data.ts';
import { bucketThresholds } from '../rollup/histogram.ts';
import { VERDICTS } from '../rollup/rollup-diagnosis.ts';

/** The histogram columns of a figure row, in {@link HISTOGRAMS} order (FIGURE_ROW_COLUMNS after `minutes`). */
const HISTOGRAM_COLUMNS = FIGURE_ROW_COLUMNS.slice(1, 1 + Object.keys(HISTOGRAMS).length);

/** `minutes`, the packed bucket indexes and the packed verdict and issue mask (PostgreSQL). */
export function packedFigureColumns(): AliasedRawBuilder<unknown, string>[] {
  const metrics = Object.values(HISTOGRAMS);
  const buckets = HISTOGRAM_COLUMNS.map(
    (column, i) =>
      sql`coalesce(width_bucket(${sql.ref(column)}, cast(${bucketThresholds(metrics[i])} as double precision[])), ${sql.lit(PACKED_NO_FIGURE)})::bigint * ${sql.lit(2 ** (PACKED_BUCKET_BITS * i))}`,
  );
  const rank = sql`case ${sql.ref('verdict')} ${sql.join(
    VERDICTS.map((v, i) => sql`when ${sql.lit(v)} then ${sql.lit(i)}`),
    sql` `,
  )} end`;
  return [
    sql`${sql.ref('minutes')}`.as('minutes'),
    sql`${sql.join(buckets, sql` + `)}`.as('buckets'),
    sql`${sql.ref('issue_mask')} * 4 + ${rank}`.as('verdict_mask'),
  ];
}

/**
 * The group write's multi-row INSERTs as precompiled text. Kysely's builder
 * makes a frozen node of every value and compiles them back to text: for a
 * group's ~1,000 values that was ~8 % of the ingest's event loop (perf, the
 * PostgreSQL ingest bench). Table and column names here are constants of the
 * callers; every value is a parameter, bound as Kysely binds it.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Statement texts kept, by table, columns, tail and row count, up to this many characters in all (a 2,000-row
 * text is ~100 KB; a group's usual sizes repeat).
 */
const MAX_CACHED_CHARS = 4_000_000;
const texts = new Map<string, string>();
let cachedChars = 0;

/**
 * Inserts `rows` into `table` in one statement: `columns` of each row, in
 * that order (a missing value is NULL, so name only columns every row sets),
 * then `tail` (e.g. an `ON CONFLICT` clause). Nothing for no rows.
 */
export async function insertRows<R>(
  tx: Transaction<Database>,
  table: string,
  columns: readonly (keyof R & string)[],
  rows: readonly R[],
  tail = '',
): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = new Array(rows.length * columns.length);
  let k = 0;
  for (const row of rows) for (const column of columns) params[k++] = row[column] ?? null;
  await tx.executeQuery(
    CompiledQuery.raw(statementText(table, columns, rows.length, tail), params),
  );
}

function statementText(
  table: string,
  columns: readonly string[],
  rows: number,
  tail: string,
): string {
  const key = `${table}(${columns.join()})${rows}${tail}`;
  let text = texts.get(key);
  if (text === undefined) {
    const width = columns.length;
    const tuples = Array.from({ length: rows }, (_, r) => {
      const first = r * width + 1;
      return `(${Array.from({ length: width }, (_, c) => `$${first + c}`).join(', ')})`;
    });
    text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}${tail ? ` ${tail}` : ''}`;
    if (cachedChars + text.length > MAX_CACHED_CHARS) {
      texts.clear();
      cachedChars = 0;
    }
    texts.set(key, text);
    cachedChars += text.length;
  }
  return text;
}

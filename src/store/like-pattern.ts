/**
 * Case-insensitive substring search with SQL LIKE, the same on both stores:
 * the term's wildcards (`%`, `_`) and the escape character (`\`) are escaped,
 * not stripped, so a search for `50%` finds "50% off" and a bare `%` finds
 * only names containing `%`. Both sides are lower-cased: SQLite's LIKE ignores
 * ASCII case and PostgreSQL's does not.
 */
import { sql, type RawBuilder } from 'kysely';

/** `%term%`, lower-cased, with `\`, `%` and `_` escaped by `\`. */
export function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `lower(column) LIKE '%term%' ESCAPE '\'` for a Kysely `where`. */
export function containsIgnoringCase(column: string, term: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${likePattern(term)} escape '\\'`;
}

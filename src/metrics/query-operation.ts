/**
 * The `operation` label of a database timing: the statement's verb and the
 * first table it names (`select peers`, `insert quality_chunks`, `commit`).
 * Pure. The label set stays small (verbs × tables) whatever the statement's
 * parameters, so it is safe as a Prometheus label.
 */

const VERB = /^\s*\(?\s*([a-z]+)/i;
const TABLE = /\b(?:from|into|update|table)\s+"?([a-z_][a-z0-9_]*)"?/i;
const KNOWN_VERBS = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'with',
  'begin',
  'commit',
  'rollback',
  'savepoint',
  'release',
  'create',
  'alter',
  'drop',
  'pragma',
  'vacuum',
  'analyze',
]);

/** `verb table`, `verb` alone for statements without a table, `other` for anything unrecognised. */
export function sqlOperation(sql: string): string {
  const verb = VERB.exec(sql)?.[1]?.toLowerCase();
  if (!verb || !KNOWN_VERBS.has(verb)) return 'other';
  const table = TABLE.exec(sql)?.[1]?.toLowerCase();
  return table ? `${verb} ${table}` : verb;
}

/** {@link sqlOperation} with a bounded memo: the same statement texts recur on every request. */
export function memoSqlOperation(maxEntries = 2_000): (sql: string) => string {
  const memo = new Map<string, string>();
  return (sql) => {
    let op = memo.get(sql);
    if (op === undefined) {
      if (memo.size >= maxEntries) memo.clear();
      memo.set(sql, (op = sqlOperation(sql)));
    }
    return op;
  };
}

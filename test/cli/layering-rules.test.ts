/**
 * The layering rules of ARCHITECTURE.md are enforced by ESLint (`npm run lint`, run in CI): a violating import
 * fails, an allowed one passes, and the tree as committed has no violation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

test('storage importing ingest, report or api code fails the lint', async () => {
  for (const [file, spec] of [
    ['src/store/example.ts', '../ingest/batch-writer.ts'],
    ['src/store/example.ts', '../report/assemble-peer-report.ts'],
    ['src/store/example.ts', '../api/errors.ts'],
    ['src/report/example.ts', '../api/errors.ts'],
    ['src/analytics/example.ts', 'node:fs'],
    ['src/analytics/example.ts', '../store/schema.ts'],
    ['src/normalize/example.ts', '../api/errors.ts'],
  ]) {
    const errors = await importErrors(file, `import { x } from '${spec}';\nexport const y = x;\n`);
    assert.equal(
      errors.length,
      1,
      `${file} importing ${spec} should be refused, got ${JSON.stringify(errors)}`,
    );
  }
});

test('a database driver, the query builder or store internals outside src/store fail the lint', async () => {
  for (const [file, spec] of [
    ['src/api/example.ts', 'kysely'],
    ['src/cli/example.ts', 'better-sqlite3'],
    ['src/report/example.ts', 'pg'],
    ['src/ingest/example.ts', '../store/sqlite/sqlite-adapter.ts'],
    ['src/server/example.ts', '../store/store-internals.ts'],
    ['src/export/example.ts', '../store/postgres/open-postgres.ts'],
    ['src/analytics/example.ts', 'kysely'],
  ]) {
    const errors = await importErrors(file, `import { x } from '${spec}';\nexport const y = x;\n`);
    assert.equal(
      errors.length,
      1,
      `${file} importing ${spec} should be refused, got ${JSON.stringify(errors)}`,
    );
  }
});

test('imports down the layers pass the lint', async () => {
  for (const [file, spec] of [
    ['src/ingest/example.ts', '../store/schema.ts'],
    ['src/report/example.ts', '../analytics/quality-aggregates.ts'],
    ['src/store/example.ts', '../analytics/quality-aggregates.ts'],
    ['src/store/example.ts', 'kysely'],
    ['src/api/example.ts', '../store/open-store.ts'],
    ['src/ingest/example.ts', '../store/store.ts'],
  ]) {
    const errors = await importErrors(file, `import { x } from '${spec}';\nexport const y = x;\n`);
    assert.deepEqual(errors, [], `${file} importing ${spec} should be allowed`);
  }
});

test('the committed sources break no layering rule', async () => {
  const results = await eslint.lintFiles(['src/**/*.ts']);
  const violations = results.flatMap((r) =>
    r.messages.map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`),
  );
  assert.deepEqual(violations, [], 'violations of the layering rules');
});

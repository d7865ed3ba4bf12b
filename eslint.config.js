// ESLint: the layering rules of ARCHITECTURE.md ("Layout"), enforced. Pure computation (analytics, normalise)
// touches no Node API, no storage and no HTTP; storage knows nothing of ingest, reports or the API; report code
// does not reach into the API. Storage is reached through the Store interface only (src/store/store.ts, opened
// by src/store/open-store.ts): outside src/store no database driver, no query builder, and none of the store's
// internals (the backend folders, the raw database handle). `npm run lint` (and CI) fails on a violating import.
import tseslint from 'typescript-eslint';

const restrict = (...groups) => ({
  'no-restricted-imports': [
    'error',
    { patterns: groups.map(([group, message]) => ({ group, message })) },
  ],
});
const NODE = [['node:*'], 'pure code: no Node API (it runs in browsers and tests without I/O)'];
const STORE = [['**/store/*', '**/store/**'], 'pure code: no storage'];
const API = [['**/api/*', '**/api/**'], 'no HTTP layer here'];
const INGEST = [['**/ingest/*', '**/ingest/**'], 'storage does not depend on ingest'];
const REPORT = [['**/report/*', '**/report/**'], 'storage does not depend on report code'];
const DATABASE = [
  [
    'kysely',
    'pg',
    'better-sqlite3',
    '**/store/store-internals.ts',
    '**/store/open-database.ts',
    '**/store/kysely-store.ts',
    '**/store/dialect-adapter.ts',
    '**/store/sqlite/**',
    '**/store/postgres/**',
  ],
  'storage is reached through the Store interface (src/store/store.ts, openStore)',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'collector/dist/**',
      'dashboard/dist/**',
      'tmp/**',
      'bench/results/**',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: restrict(DATABASE),
  },
  {
    files: ['src/analytics/**/*.ts', 'src/normalize/**/*.ts'],
    rules: restrict(NODE, STORE, API, DATABASE),
  },
  { files: ['src/store/**/*.ts'], rules: restrict(INGEST, REPORT, API) },
  { files: ['src/report/**/*.ts'], rules: restrict(API, DATABASE) },
);

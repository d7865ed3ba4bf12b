// ESLint: the layering rules of ARCHITECTURE.md ("Layout"), enforced. Pure computation (analytics, normalise)
// touches no Node API, no storage and no HTTP; storage knows nothing of ingest, reports or the API; report code
// does not reach into the API. `npm run lint` (and CI) fails on a violating import.
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
  { files: ['src/analytics/**/*.ts', 'src/normalize/**/*.ts'], rules: restrict(NODE, STORE, API) },
  { files: ['src/store/**/*.ts'], rules: restrict(INGEST, REPORT, API) },
  { files: ['src/report/**/*.ts'], rules: restrict(API) },
);

/**
 * Runs the whole test suite with Node's test runner: every `test/**\/*.test.ts`
 * on the embedded store, then the storage-touching suites again on PostgreSQL
 * (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test). Set
 * PEER_REPORT_SKIP_POSTGRES=1 to skip the second pass (it is never skipped in CI).
 * Extra arguments are passed to `node --test` (e.g. a file list). It first runs scripts/setup-test-env.sh, which
 * installs Debian's chromium and coturn and starts a local PostgreSQL when they are missing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  '..',
);

function findTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Folders whose tests touch storage and so run on both backends. */
const STORAGE_SUITES = [
  'test/api',
  'test/storage',
  'test/sessions',
  'test/import',
  'test/ingest',
  'test/store',
];

const totals = { pass: 0, fail: 0, skipped: 0 };

/**
 * Files that measure real calls between real browsers: they run alone, after the others, so that a test file
 * running beside them on the 2 cores does not starve the browsers (a starved Chromium grows its jitter buffer,
 * and the clean call's MOS then falls, measured correctly, below what the test expects of a clean call).
 */
const SOLO_FILES = ['test/browser/real-calls.test.ts'];
/** Folders whose every test file runs alone too: the labelled scenario suite (real calls, docs/diagnosis.md). */
const SOLO_DIRS = ['test/scenarios/'];

function run(files: string[], env: NodeJS.ProcessEnv, label: string, concurrency = 2): number {
  if (files.length === 0) return 0;
  console.log(`\n=== ${label}: ${files.length} test files ===`);
  const tap = path.join(os.tmpdir(), `peer-report-tests-${process.pid}-${Date.now()}.tap`);
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files.map((f) => path.relative(root, f)),
    ],
    { cwd: root, stdio: 'inherit', env },
  );
  const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  fs.rmSync(tap, { force: true });
  const count = (name: string) =>
    Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  totals.pass += count('pass');
  totals.fail += count('fail') + count('cancelled');
  totals.skipped += count('skipped');
  return res.status ?? 1;
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

// The machine's part of the set-up (browsers, coturn, PostgreSQL), so the README's one test command works on a fresh
// machine: a missing `/usr/bin/chromium` otherwise fails every browser test.
const setup = spawnSync('bash', [path.join(root, 'scripts/setup-test-env.sh')], {
  cwd: root,
  stdio: 'inherit',
});
if (setup.status !== 0) {
  console.error(
    'scripts/setup-test-env.sh failed: the browser tests need chromium and coturn (Debian packages).',
  );
  process.exit(setup.status ?? 1);
}

// The suite runs the compiled JavaScript that production runs (bin/peer-report.js loads dist/): build it from the
// sources as they are now, so no stale dist/ is ever tested.
const build = spawnSync('npm', ['run', '--silent', 'build:server'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.error('npm run build:server failed');
  process.exit(build.status ?? 1);
}
process.env.PEER_REPORT_FROM_SOURCE = '0';

const args = process.argv.slice(2);
const all = args.length
  ? args.map((a) => path.resolve(root, a))
  : findTests(path.join(root, 'test')).sort();
const isSolo = (f: string) =>
  SOLO_FILES.includes(path.relative(root, f)) ||
  SOLO_DIRS.some((d) => path.relative(root, f).startsWith(d));
let failed = run(
  all.filter((f) => !isSolo(f)),
  { ...process.env, TEST_DATABASE_URL: '' },
  'embedded store (SQLite)',
);
failed =
  run(
    all.filter(isSolo),
    { ...process.env, TEST_DATABASE_URL: '' },
    'real calls between browsers, alone (embedded store)',
    1,
  ) || failed;

const pgUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
if (process.env.PEER_REPORT_SKIP_POSTGRES !== '1') {
  const storageFiles = all.filter((f) =>
    STORAGE_SUITES.some((s) => path.relative(root, f).startsWith(s)),
  );
  if (await postgresReachable(pgUrl)) {
    // Both passes always run (a failure in the first must not hide the second).
    failed =
      run(
        storageFiles,
        { ...process.env, TEST_DATABASE_URL: pgUrl },
        `PostgreSQL (${new URL(pgUrl).host})`,
      ) || failed;
  } else if (process.env.CI) {
    console.error(`PostgreSQL is not reachable at ${pgUrl}; CI requires it.`);
    failed = 1;
  } else {
    console.warn(
      `\nPostgreSQL not reachable at ${pgUrl}: storage suites ran on the embedded store only.`,
    );
  }
}
console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
console.log(`${totals.pass} passed, ${totals.fail} failed`);
process.exit(failed || (totals.fail > 0 ? 1 : 0));

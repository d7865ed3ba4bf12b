// Bundles the ESM dependencies that ship as hundreds of small modules (kysely: ~260, zod: ~95) into one file each
// under dist/vendor/, and points the compiled server at them. Resolving, reading and linking those modules was
// about a third of the CPU of a short CLI run (`peer-report import` of a 600 KB dump); one file each loads in a
// fraction of it. Runs after `tsc -p tsconfig.build.json`; the sources (tsx, tests) keep importing the packages.
import { build } from 'esbuild';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const VENDORED = ['kysely', 'zod'];

for (const name of VENDORED) {
  await build({
    stdin: { contents: `export * from '${name}';`, resolveDir: dist, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: path.join(dist, 'vendor', `${name}.js`),
    logLevel: 'warning',
  });
}

/** Every compiled module of dist/ (not the vendored files themselves). */
function* compiledModules(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (file !== path.join(dist, 'vendor')) yield* compiledModules(file);
    } else if (entry.name.endsWith('.js')) yield file;
  }
}

const specifier = new RegExp(`(from\\s*|import\\s*\\(\\s*)(['"])(${VENDORED.join('|')})\\2`, 'g');
for (const file of compiledModules(dist)) {
  const source = readFileSync(file, 'utf8');
  const rewritten = source.replace(specifier, (_, lead, quote, name) => {
    let relative = path.relative(path.dirname(file), path.join(dist, 'vendor', `${name}.js`));
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `${lead}${quote}${relative.split(path.sep).join('/')}${quote}`;
  });
  if (rewritten !== source) writeFileSync(file, rewritten);
}

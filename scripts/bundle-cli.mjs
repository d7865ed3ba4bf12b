// Bundles the compiled CLI (dist/cli/main.js and every command it loads) into dist/cli-bundle/: one file for
// the launcher and one chunk per lazily loaded command graph, with the npm packages left outside. Loading ~140
// small compiled modules (resolve, read, compile and link each) was about half the instructions of a whole-process
// `peer-report import` of a 600 KB dump (valgrind: 1.19 G of 2.27 G above `node -e 0`); the same code as a few
// chunks loads in about a quarter of that. bin/peer-report.js runs the bundle when it exists.
//
// The modules keep their meaning inside the bundle: each `import.meta.url` is rewritten to the URL of the module it
// was written in (relative to the bundle, so dist/ can move), so files found next to a module (the generated batch
// validator, worker entry points, the dashboard and collector assets) are found where they were. Worker threads
// still load the unbundled modules of dist/.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const outdir = path.join(dist, 'cli-bundle');

/** Rewrites `import.meta.url` in each bundled module of dist/ to that module's own URL. */
const ownModuleUrl = {
  name: 'own-module-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
      const relative = path.relative(outdir, args.path).split(path.sep).join('/');
      const url = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
      return { contents: source.replace(/\bimport\.meta\.url\b/g, url), loader: 'js' };
    });
  },
};

await build({
  entryPoints: { main: path.join(dist, 'cli', 'main.js') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir,
  chunkNames: 'chunk-[hash]',
  plugins: [ownModuleUrl],
  logLevel: 'warning',
});

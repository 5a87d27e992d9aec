// Builds @rallypoint/core into dist/:
// - index.js, node.js: ESM for Node and for bundlers, dependencies left as imports;
// - browser/index.js: the `browser` export, importing browser/simple-peer.js: simple-peer with
//   the Node parts it expects (events, Buffer, process: their browser ports, see
//   build/browser-shims.js) bundled in, so a game bundles it with esbuild, Vite or webpack and
//   adds nothing. msgpackr and msgpack-guard stay imports (they run in browsers as they are).
import { build } from 'esbuild';
import { resolve } from 'node:path';

const here = import.meta.dirname;
const common = { bundle: true, format: 'esm', target: 'es2022', dropLabels: ['DEV'], sourcemap: true, logLevel: 'warning' };

await build({
  ...common,
  entryPoints: [resolve(here, 'src/index.ts'), resolve(here, 'src/node.ts')],
  outdir: resolve(here, 'dist'),
  splitting: true,
  platform: 'neutral',
  packages: 'external',
});

// simple-peer (CommonJS, with the Node parts it needs) in a module of its own, so that it can be
// shaken out of a game's bundle when nothing uses it (inlined, its top-level require() stays).
await build({
  ...common,
  entryPoints: [resolve(here, 'build/simple-peer-entry.js')],
  outfile: resolve(here, 'dist/browser/simple-peer.js'),
  platform: 'browser',
  inject: [resolve(here, 'build/browser-shims.js')],
  define: { global: 'globalThis' },
});

const simplePeerModule = {
  name: 'simple-peer-module',
  setup(b) {
    b.onResolve({ filter: /^simple-peer$/ }, () => ({ path: './simple-peer.js', external: true }));
  },
};

await build({
  ...common,
  entryPoints: [resolve(here, 'src/index.ts')],
  outfile: resolve(here, 'dist/browser/index.js'),
  platform: 'browser',
  external: ['msgpackr', '@rallypoint/msgpack-guard'],
  plugins: [simplePeerModule],
});

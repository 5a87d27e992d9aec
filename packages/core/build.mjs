// Builds @rallypoint/core into dist/:
// - index.js, node.js: ESM for Node and for bundlers, dependencies left as imports;
// - browser/index.js: the `browser` export, the same code for the browser's own WebRTC, with
//   msgpackr and msgpack-guard left as imports (they run in browsers as they are). Nothing of
//   Node's is needed, so a game bundles it with esbuild, Vite or webpack and adds nothing.
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

await build({
  ...common,
  entryPoints: [resolve(here, 'src/index.ts')],
  outfile: resolve(here, 'dist/browser/index.js'),
  platform: 'browser',
  external: ['msgpackr', '@rallypoint/msgpack-guard'],
});

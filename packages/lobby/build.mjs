// Builds @rallypoint/lobby into dist/:
// - index.js, node.js: ESM for Node and for bundlers, dependencies left as imports;
// - browser/index.js: the `browser` export, the same code with colyseus.js bundled in as a page
//   needs it (colyseus-lite.mjs), our packages and msgpackr left as imports. A game bundles it with
//   esbuild, Vite or webpack and adds nothing.
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { colyseusLite } from './colyseus-lite.mjs';

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
  external: ['@rallypoint/core', '@rallypoint/protocol', 'msgpackr'],
  plugins: [colyseusLite()],
});

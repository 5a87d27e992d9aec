// Builds the demo into dist/: ESM with code splitting, so Phaser (imported dynamically) lands in a
// chunk of its own and the title screen's code loads first.
// `node build.mjs [--outdir=DIR] [--dev]` (tests build into a folder of their own).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { colyseusLite } from '../packages/lobby/colyseus-lite.mjs';

const here = import.meta.dirname;
const { values } = parseArgs({ options: { outdir: { type: 'string' }, dev: { type: 'boolean' } } });
const watch = values.dev === true;
const outdir = resolve(values.outdir ?? resolve(here, 'dist'));
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [resolve(here, 'src/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  // colyseus.js as the lobby's browser build has it (see the plugin).
  plugins: [colyseusLite()],
  dropLabels: watch ? [] : ['DEV'],
  minify: !watch,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
cpSync(resolve(here, 'public'), outdir, { recursive: true });
console.log(`demo-game: built ${outdir}`);

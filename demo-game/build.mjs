// Builds the demo into dist/: ESM with code splitting, so Phaser (imported dynamically) lands in a
// chunk of its own and the title screen's code loads first. simple-peer expects Node's Buffer,
// events and process: they come from their browser ports, injected (see src/shims.ts).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const watch = process.argv.includes('--dev');
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  inject: ['src/shims.ts'],
  define: { global: 'globalThis' },
  dropLabels: watch ? [] : ['DEV'],
  minify: !watch,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
cpSync('public', 'dist', { recursive: true });
console.log('demo-game: built dist/');

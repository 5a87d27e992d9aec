// Bundles a TypeScript entry for a plain `node` process (a peer in another process, the benchmark
// runner), reading workspace packages from source as vitest does. Third-party packages stay
// external and load from node_modules.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'node_modules/.cache/rallypoint');
const external = ['simple-peer', 'msgpackr', 'node-datachannel', 'node-datachannel/*', 'esbuild', 'vitest'];

/** @param {string} entry @returns {Promise<string>} the bundled file */
export async function bundleForNode(entry) {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, basename(entry).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external,
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return outfile;
}

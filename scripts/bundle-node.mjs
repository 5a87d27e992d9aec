// Bundles a TypeScript entry for a plain `node` process (a peer in another process, the lobby
// server under test, the benchmark runner), reading workspace packages from source as vitest
// does. Third-party packages stay external and load from node_modules.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'node_modules/.cache/rallypoint');
/**
 * Every bare import but our own workspace packages loads from node_modules, and our plain-JS
 * helpers (`.mjs`, which find files from where they are) load from where they are.
 */
const thirdPartyExternal = {
  name: 'third-party-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@rallypoint/') ? undefined : { path: args.path, external: true }));
    build.onResolve({ filter: /^\.\.?\/.*\.mjs$/ }, (args) => ({ path: resolve(args.resolveDir, args.path), external: true }));
  },
};

/** @param {string} entry @param {string} [name] output name @returns {Promise<string>} the bundled file */
export async function bundleForNode(entry, name = basename(entry).replace(/\.ts$/, '')) {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    plugins: [thirdPartyExternal],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return outfile;
}

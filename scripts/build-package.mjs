// Builds one of our packages into its dist/ (its build.mjs says what is particular to it):
// - index.js, node.js: ESM for Node and for bundlers, dependencies left as imports;
// - browser/index.js: the `browser` export, the same code bundled for a page, with what a game's
//   bundler should resolve itself (`external`) left as imports, and `plugins` for what the page
//   needs bundled differently. A game bundles it with esbuild, Vite or webpack and adds nothing.
import { build } from 'esbuild';
import { resolve } from 'node:path';

/** @param {string} dir the package's folder @param {{ external: string[], plugins?: import('esbuild').Plugin[] }} browser */
export async function buildPackage(dir, browser) {
  const common = { bundle: true, format: 'esm', target: 'es2022', dropLabels: ['DEV'], sourcemap: true, logLevel: 'warning' };
  await build({
    ...common,
    entryPoints: [resolve(dir, 'src/index.ts'), resolve(dir, 'src/node.ts')],
    outdir: resolve(dir, 'dist'),
    splitting: true,
    platform: 'neutral',
    packages: 'external',
  });
  await build({
    ...common,
    entryPoints: [resolve(dir, 'src/index.ts')],
    outfile: resolve(dir, 'dist/browser/index.js'),
    platform: 'browser',
    external: browser.external,
    plugins: browser.plugins ?? [],
  });
}

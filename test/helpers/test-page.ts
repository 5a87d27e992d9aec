/**
 * A test or benchmark page, bundled as the demo is (esbuild, the `source` condition, simple-peer's
 * browser shims) into a folder with an index.html, for the lobby server's `--static`.
 */
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

/** `entry`: the page's script, relative to the repository root. Returns the folder. */
export async function buildTestPage(entry: string, name: string): Promise<string> {
  const root = repoRoot();
  const out = join(root, `node_modules/.cache/rallypoint/${name}-${process.pid}`);
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(out, `${name}.js`),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['source'],
    inject: [join(root, 'demo-game/src/shims.ts')],
    define: { global: 'globalThis' },
    logLevel: 'warning',
  });
  writeFileSync(join(out, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/${name}.js"></script>`);
  return out;
}

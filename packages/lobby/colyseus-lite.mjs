// colyseus.js for a page: an esbuild plugin used by this package's browser build and by the
// repository's own pages (the demo, test pages, benches), which bundle from source.
//
// colyseus.js' `browser` export is its CommonJS build, which a bundler cannot shake and which
// brings tslib; this bundles its ES module build instead, without what a rallypoint server never
// sends (Schema room state: SchemaSerializer and @colyseus/schema's decoder; Room keeps the
// schema package's small encode/decode helpers), and with msgpackr in place of colyseus.js' fork
// of it (src/colyseus-packr.ts). A lobby page went from 83.6 to 52.8 KiB min+gzip with it
// (`npm run bench -- bundle.size`). The files it swaps are looked for at build time: a colyseus.js
// laid out differently stops the build with a message, not a broken page.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = import.meta.dirname;
const NAMESPACE = 'rallypoint-colyseus-lite';

/** The folder of the package `name` as `from` (a file) would import it. */
function packageRoot(name, from) {
  // The main file's folder, then up to the package.json that names it (its exports hide package.json).
  let dir = dirname(createRequire(from).resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`colyseus-lite: cannot find the folder of ${name}`);
    dir = up;
  }
  return dir;
}

function needed(file, what) {
  if (!existsSync(file)) {
    throw new Error(`colyseus-lite: ${file} is missing (${what}); this colyseus.js is laid out differently from 0.16.22: update packages/lobby/colyseus-lite.mjs`);
  }
  return file;
}

/** @returns {import('esbuild').Plugin} */
export function colyseusLite() {
  const colyseus = packageRoot('colyseus.js', join(here, 'package.json'));
  const colyseusPackage = JSON.parse(readFileSync(join(colyseus, 'package.json'), 'utf8'));
  const esm = needed(join(colyseus, colyseusPackage.module), 'its ES module build');
  needed(join(colyseus, dirname(colyseusPackage.module), 'serializer/SchemaSerializer.mjs'), 'the Schema serializer');
  const schema = packageRoot('@colyseus/schema', join(colyseus, 'package.json'));
  const encode = needed(join(schema, 'lib/encoding/encode.js'), "@colyseus/schema's encode helpers");
  const decode = needed(join(schema, 'lib/encoding/decode.js'), "@colyseus/schema's decode helpers");
  const packr = join(here, 'src/colyseus-packr.ts');
  return {
    name: NAMESPACE,
    setup(build) {
      build.onResolve({ filter: /^colyseus\.js$/ }, () => ({ path: esm }));
      build.onResolve({ filter: /^@colyseus\/msgpackr$/ }, () => ({ path: packr }));
      build.onResolve({ filter: /^@colyseus\/schema$/ }, () => ({ path: 'schema-encoding', namespace: NAMESPACE }));
      build.onLoad({ filter: /^schema-encoding$/, namespace: NAMESPACE }, () => ({
        contents: `export { encode } from ${JSON.stringify(encode)}; export { decode } from ${JSON.stringify(decode)};`,
        resolveDir: schema,
        loader: 'js',
      }));
      build.onLoad({ filter: /[\\/]serializer[\\/]SchemaSerializer\.mjs$/ }, () => ({
        contents: `export class SchemaSerializer {
  constructor() { throw new Error('@rallypoint/lobby: this room sends Colyseus Schema state, which the lobby client for the browser leaves out (a rallypoint server sends none)'); }
}
export function getStateCallbacks() { return undefined; }`,
        loader: 'js',
      }));
    },
  };
}

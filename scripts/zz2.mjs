import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const stubs = process.argv.slice(2);
const plugin = { name: 's', setup(b) { for (const s of stubs) b.onLoad({ filter: new RegExp(s.replace('.', '\\.') + '$') }, (a) => ({ contents: '', loader: 'ts' })); } };
const r = await build({ entryPoints: ['/tmp/exp/link.js'], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', conditions: ['source'], dropLabels: ['DEV'], target: 'es2022', nodePaths: ['/work/main/node_modules'], absWorkingDir: '/work/main', plugins: [plugin] });
console.log(stubs.join(',') || 'none', (gzipSync(r.outputFiles[0].contents, { level: 9 }).byteLength / 1024).toFixed(2));

// `npm run fuzz -- lobby|link --frames N`: bundles the fuzz runner (reading the workspace from
// source) and runs it in a plain node process. Not part of `npm test`, which runs a 2,000-frame
// round of each (test/integration/fuzz.test.ts).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { bundleForNode } from './bundle-node.mjs';

const entry = resolve(import.meta.dirname, '../test/fuzz/main.ts');
const runner = await bundleForNode(entry, 'fuzz');
const result = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);

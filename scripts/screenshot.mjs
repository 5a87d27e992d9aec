// `npm run screenshot [-- --out=DIR]`: takes the README's picture of the demo from the real game
// (test/tools/demo-screenshot.ts, bundled like the benchmark runner and run in plain node).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { bundleForNode } from './bundle-node.mjs';

const runner = await bundleForNode(resolve(import.meta.dirname, '../test/tools/demo-screenshot.ts'));
const result = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);

// `npm run bench -- [scenario ...] [--json=PATH]`: bundles the benchmark runner (reading the
// workspace from source) and runs it in a plain node process, so timings include no test runner.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { bundleForNode } from './bundle-node.mjs';

const entry = resolve(import.meta.dirname, '../test/bench/main.ts');
const runner = await bundleForNode(entry);
const result = spawnSync(process.execPath, [runner, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);

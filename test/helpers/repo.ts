/** The repository root, found from here whether this runs from source or bundled (benchmarks run from node_modules/.cache). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'demo-game/build.mjs')) && existsSync(join(dir, 'server/src/cli.ts'))) return dir;
  throw new Error(`no repository root above ${import.meta.dirname}`);
}

/** The lobby server serving a fresh build of the demo, for browser tests and benchmarks. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, type ServerProcess } from './lobby-server.js';
import { repoRoot } from './repo.js';

export function buildDemo(): string {
  const root = repoRoot();
  const outdir = join(root, `node_modules/.cache/rallypoint/demo-${process.pid}`);
  const result = spawnSync(process.execPath, [join(root, 'demo-game/build.mjs'), `--outdir=${outdir}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`demo build failed: ${result.stderr}`);
  return outdir;
}

export async function startDemoServer(): Promise<ServerProcess> {
  return startServer(['--static', buildDemo()], {}, 'info');
}

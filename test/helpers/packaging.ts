/**
 * The packages as a game developer gets them: `npm pack` of each workspace package (as built
 * by `npm test`), installed into a scratch project outside the workspace, so nothing resolves through
 * the workspace's own node_modules. Installs prefer npm's cache (filled by the workspace's own
 * `npm ci`), so the registry is asked only for what it does not hold.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

/** The publishable packages, in dependency order. */
export const PACKAGES = ['msgpack-guard', 'protocol', 'core', 'lobby', 'sync', 'server'] as const;
export type PackageName = (typeof PACKAGES)[number];

const folderOf = (name: PackageName) => (name === 'server' ? 'server' : `packages/${name}`);

let packed: Promise<Record<PackageName, string>> | undefined;

/** Tarball paths by package, packed once per test process. */
export function packTarballs(): Promise<Record<PackageName, string>> {
  packed ??= (async () => {
    const root = repoRoot();
    const out = mkdtempSync(join(tmpdir(), 'rallypoint-packs-'));
    // Built by `npm test` before vitest starts (test files run in parallel: one build, not one each).
    for (const name of PACKAGES) {
      if (!existsSync(join(root, folderOf(name), 'dist/index.js'))) throw new Error(`${name} is not built: run npm run build (npm test does)`);
    }
    const tarballs = {} as Record<PackageName, string>;
    for (const name of PACKAGES) {
      const before = new Set(readdirSync(out));
      execFileSync('npm', ['pack', '--silent', '--workspace', folderOf(name), '--pack-destination', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      const file = readdirSync(out).find((f) => !before.has(f));
      if (file === undefined) throw new Error(`npm pack wrote nothing for ${name}`);
      tarballs[name] = join(out, file);
    }
    return tarballs;
  })();
  return packed;
}

export interface ScratchProject {
  readonly dir: string;
  /** Write a file (folders made as needed). */
  write(path: string, content: string): string;
  remove(): void;
}

/**
 * A project of its own in the system temp folder, with `packages` installed from their tarballs
 * (their dependencies from npm) and `extra` registry packages beside them.
 */
export async function scratchProject(label: string, packages: readonly PackageName[], extra: readonly string[] = []): Promise<ScratchProject> {
  const tarballs = await packTarballs();
  const dir = mkdtempSync(join(tmpdir(), `rallypoint-scratch-${label}-`));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `scratch-${label}`, private: true, type: 'module' }, null, 2)}\n`);
  // Every tarball a package needs must come from a tarball too: @rallypoint packages are not on npm.
  const needed = new Set<PackageName>(packages);
  const deps: Record<PackageName, PackageName[]> = { 'msgpack-guard': [], protocol: [], core: ['msgpack-guard'], lobby: ['core', 'protocol', 'msgpack-guard'], sync: [], server: ['protocol', 'msgpack-guard'] };
  for (const name of packages) for (const dep of deps[name]) needed.add(dep);
  const specs = [...PACKAGES.filter((name) => needed.has(name)).map((name) => tarballs[name]), ...extra];
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    dir,
    write(path, content) {
      const file = join(dir, path);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
